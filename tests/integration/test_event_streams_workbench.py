"""Event Streams in the workbench: the pytest plugin's ``webhook_receiver`` as a sink,
sink deliveries in ``hookline deliveries`` and in the inspector (a real headless Chromium),
replayed from there."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
from click.testing import CliRunner

from hookline.cli import main
from hookline.testing import HooklineServer, WebhookReceiver

MESSAGE_ADDED = "com.twilio.conversations.message.added"
CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 15_000


def sink_and_subscription(server: HooklineServer, url: str) -> Any:
    sdk = server.client
    sink = sdk.events.v1.sinks.create(
        description="pytest sink",
        sink_type="webhook",
        sink_configuration={"destination": url, "method": "POST"},
    )
    sdk.events.v1.subscriptions.create(
        description="messages",
        sink_sid=sink.sid,
        types=[{"type": MESSAGE_ADDED, "schema_version": 2}],
    )
    return sink


def message(server: HooklineServer, body: str) -> Any:
    conversation = server.client.conversations.v1.conversations.create()
    return conversation.messages.create(author="ann", body=body)


def cli(server: HooklineServer, *args: str) -> str:
    env = {
        "HOOKLINE_URL": server.base_url,
        "HOOKLINE_ACCOUNT_SID": server.account_sid,
        "HOOKLINE_AUTH_TOKEN": server.auth_token,
        "COLUMNS": "300",
    }
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_plugin_receiver_is_a_sink_and_the_cli_lists_its_deliveries(
    hookline_server: HooklineServer, webhook_receiver: WebhookReceiver
) -> None:
    sink = sink_and_subscription(hookline_server, webhook_receiver.url("/events"))
    sent = message(hookline_server, "plugin sink")
    (received,) = webhook_receiver.wait_for(1, path="/events", event_type=MESSAGE_ADDED)
    assert received.signature_valid  # twilio's RequestValidator, JSON path (bodySHA256)
    (event,) = received.cloudevents  # batch_events by default: a one-event array
    assert isinstance(received.json, list)
    assert event["data"]["MessageSid"] == sent.sid
    assert event["data"]["MessageBody"] == "plugin sink"
    assert event["dataschema"].endswith("/Conversations.MessageAdded/2")

    listed = json.loads(cli(hookline_server, "deliveries", "list", "--json"))["deliveries"]
    (row,) = [row for row in listed if row["target"] == "sink"]
    assert row["event_type"] == MESSAGE_ADDED and row["webhook_sid"] == sink.sid
    assert row["url"] == webhook_receiver.url("/events")
    text = cli(hookline_server, "deliveries", "show", row["sid"])
    assert "plugin sink" in text and "cloudevents" in text


@pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed")
def test_the_inspector_shows_a_sink_delivery_and_replays_it(
    hookline_server: HooklineServer, webhook_receiver: WebhookReceiver
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.integration.test_inspector import CHROMIUM_ARGS

    sink_and_subscription(hookline_server, webhook_receiver.url("/events"))
    message(hookline_server, "seen in the inspector")
    (first,) = webhook_receiver.wait_for(1, path="/events", event_type=MESSAGE_ADDED)
    (row,) = [
        row
        for row in hookline_server.request("GET", "/_hookline/deliveries")["deliveries"]
        if row["target"] == "sink"
    ]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=hookline_server.base_url,
            http_credentials={
                "username": hookline_server.account_sid,
                "password": hookline_server.auth_token,
            },
        )
        page = context.new_page()
        page.goto("/_hookline/ui")
        shown = page.wait_for_selector(
            f'[data-delivery-sid="{row["sid"]}"][data-status=delivered]', timeout=WAIT_MS
        )
        assert MESSAGE_ADDED in shown.inner_text()
        shown.click()
        page.wait_for_selector("#detail [data-attempt='1']", timeout=WAIT_MS)
        detail = page.inner_text("#detail")
        assert "Event Streams sink" in detail
        assert "seen in the inspector" in page.inner_text("#detail [data-body=cloudevents]")
        assert first.headers["X-Twilio-Signature"] in detail
        page.click("#detail [data-action=replay]")
        page.wait_for_selector("#detail [data-attempt='2']", timeout=WAIT_MS)
        browser.close()
    replayed = webhook_receiver.wait_for(2, path="/events", event_type=MESSAGE_ADDED)[1]
    assert replayed.signature_valid and replayed.body == first.body
    token = "I-Twilio-Idempotency-Token"
    assert replayed.headers[token] == first.headers[token]
