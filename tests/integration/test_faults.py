"""Fault injection (``/_hookline/faults``, ``serve --faults``) and ``--rest-webhooks always``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

import hookline
from tests.integration.events_support import event_types, hook_everything
from tests.support.control import call, deliveries, recorded
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, start_server

TOKEN = "I-Twilio-Idempotency-Token"


@pytest.fixture
def configured(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server started with the environment the test's parameter names."""
    process = start_server(tmp_path, None, env=request.param)
    yield process
    process.stop()


@pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)
def test_duplicate_one_sends_every_delivery_twice_with_one_token(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    status, body = call(server, "POST", "/_hookline/faults", {"Duplicate": "1"})
    assert (status, body) == (200, {"duplicate": 1.0, "delay": 0.0, "source": "account"})
    hook_everything(sdk, receiver, ["onConversationAdded", "onConversationUpdated"])
    conv = sdk.conversations.v1.conversations.create(x_twilio_webhook_enabled="true")
    sdk.conversations.v1.conversations(conv.sid).update(
        friendly_name="twice", x_twilio_webhook_enabled="true"
    )
    received = receiver.wait_for(4, path="/post", timeout=30)
    validator = RequestValidator(server.auth_token)
    for event in ("onConversationAdded", "onConversationUpdated"):
        copies = [r for r in received if r.params["EventType"] == event]
        assert len(copies) == 2 and copies[0].body == copies[1].body
        assert copies[0].headers[TOKEN] == copies[1].headers[TOKEN]
        for copy in copies:
            assert validator.validate(copy.url, copy.params, copy.headers["X-Twilio-Signature"])
    for row in deliveries(server):
        (attempt,) = recorded(server, row["sid"])["attempt_log"]
        assert attempt["injected"]["duplicate"]["status"] == 200


def test_set_show_clear_and_validation(server: ServerProcess) -> None:
    default = {"duplicate": 0.0, "delay": 0.0, "source": "default"}
    assert call(server, "GET", "/_hookline/faults") == (200, default)
    assert call(server, "POST", "/_hookline/faults", {"Delay": "2"})[1]["delay"] == 2.0
    status, both = call(server, "POST", "/_hookline/faults", {"Duplicate": "0.5"})
    assert both == {"duplicate": 0.5, "delay": 2.0, "source": "account"}
    assert call(server, "GET", "/_hookline/faults") == (200, both)
    for bad in ({"Duplicate": "1.5"}, {"Delay": "-1"}, {"Delay": "11"}, {"Duplicate": "x"}):
        status, error = call(server, "POST", "/_hookline/faults", bad)
        assert status == 400, (bad, error)
    assert call(server, "DELETE", "/_hookline/faults") == (200, default)
    assert call(server, "GET", "/_hookline/faults") == (200, default)


@pytest.mark.parametrize(
    "configured", [{"HOOKLINE_FAULTS": "delay=0.3,duplicate=0"}], indirect=True
)
def test_serve_default_delays_and_marks_the_log(
    configured: ServerProcess, receiver: Receiver
) -> None:
    sdk = hookline.client(configured.base_url, configured.account_sid, configured.auth_token)
    shown = call(configured, "GET", "/_hookline/faults")
    assert shown == (200, {"duplicate": 0.0, "delay": 0.3, "source": "default"})
    hook_everything(sdk, receiver, ["onConversationAdded"])
    sdk.conversations.v1.conversations.create(x_twilio_webhook_enabled="true")
    receiver.wait_for(1, path="/post", timeout=30)
    (row,) = deliveries(configured)
    (attempt,) = recorded(configured, row["sid"])["attempt_log"]
    assert 0 <= attempt["injected"]["delay_seconds"] <= 0.3
    assert "duplicate" not in attempt["injected"]


@pytest.mark.parametrize("configured", [{"HOOKLINE_REST_WEBHOOKS": "always"}], indirect=True)
def test_rest_webhooks_always_makes_sdk_delete_fire(
    configured: ServerProcess, receiver: Receiver
) -> None:
    sdk = hookline.client(configured.base_url, configured.account_sid, configured.auth_token)
    hook_everything(sdk, receiver, ["onParticipantRemove", "onParticipantRemoved"])
    conv = sdk.conversations.v1.conversations.create()
    handle = sdk.conversations.v1.conversations(conv.sid)
    alice = handle.participants.create(identity="alice")
    # twilio-python 9.x drops X-Twilio-Webhook-Enabled on delete(): only "always" fires it.
    assert handle.participants(alice.sid).delete(x_twilio_webhook_enabled="true") is True
    (pre,) = receiver.wait_for(1, path="/pre", timeout=30)
    assert (pre.params["EventType"], pre.params["ParticipantSid"]) == (
        "onParticipantRemove", alice.sid,
    )  # fmt: skip
    (post,) = receiver.wait_for(1, path="/post", timeout=30)
    assert (post.params["EventType"], post.params["Source"]) == ("onParticipantRemoved", "API")


def test_rest_webhooks_header_is_the_default(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    hook_everything(sdk, receiver, ["onParticipantRemoved", "onConversationAdded"])
    conv = sdk.conversations.v1.conversations.create()
    handle = sdk.conversations.v1.conversations(conv.sid)
    alice = handle.participants.create(identity="alice")
    handle.participants(alice.sid).delete(x_twilio_webhook_enabled="true")
    # A later event that does fire shows the removal would have arrived first.
    sdk.conversations.v1.conversations.create(x_twilio_webhook_enabled="true")
    (only,) = receiver.wait_for(1, path="/post", timeout=30)
    assert only.params["EventType"] == "onConversationAdded"
    assert event_types(server) == ["onConversationAdded"]
