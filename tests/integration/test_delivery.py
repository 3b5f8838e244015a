"""Webhooks really arrive: a real server, the official SDK, a real receiver on a local port."""

from __future__ import annotations

import time
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from tests.support.control import call, deliveries, recorded
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess

#: Every test here runs on SQLite, and on PostgreSQL when the test run has one.
pytestmark = pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)

ON = "true"  # X-Twilio-Webhook-Enabled: REST actions fire webhooks only when asked to
PRE_EVENT_TIMEOUT = 5.0  # Twilio's, and hookline's default
HOOK_DELAY = 9.0  # a pre-event hook this slow answers after the timeout


def configure(sdk: Any, receiver: Receiver, filters: list[str], **extra: str) -> None:
    sdk.conversations.v1.configuration.webhooks().update(
        filters=filters,
        pre_webhook_url=receiver.base + "/pre",
        post_webhook_url=receiver.base + "/post",
        method=extra.get("method", "POST"),
    )


def conversation(sdk: Any, **fields: Any) -> Any:
    return sdk.conversations.v1.conversations.create(**fields)


def assert_signed(server: ServerProcess, request: Any) -> None:
    validator = RequestValidator(server.auth_token)
    assert validator.validate(request.url, request.params, request.headers["X-Twilio-Signature"])


def test_post_event_arrives_signed_with_twilio_headers(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    configure(sdk, receiver, ["onMessageAdded"])
    conv = conversation(sdk)
    message = conv.messages.create(body="hello", author="alice", x_twilio_webhook_enabled=ON)
    (request,) = receiver.wait_for(1, path="/post")
    assert_signed(server, request)
    assert request.headers["User-Agent"] == "TwilioProxy/1.1"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["I-Twilio-Idempotency-Token"]
    assert request.params == {
        "AccountSid": server.account_sid, "EventType": "onMessageAdded", "Source": "API",
        "ConversationSid": conv.sid, "ChatServiceSid": conv.chat_service_sid,
        "MessagingServiceSid": conv.messaging_service_sid, "MessageSid": message.sid,
        "Index": "0", "Body": "hello", "Author": "alice", "Attributes": "{}",
        "DateCreated": request.params["DateCreated"], "RetryCount": "0",
    }  # fmt: skip


def test_get_method_sends_the_parameters_in_a_signed_query_string(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    configure(sdk, receiver, ["onConversationAdded"], method="GET")
    conv = conversation(sdk, friendly_name="by get", x_twilio_webhook_enabled=ON)
    (request,) = receiver.wait_for(1, path="/post")
    assert request.method == "GET" and request.body == b""
    assert request.params["ConversationSid"] == conv.sid
    validator = RequestValidator(server.auth_token)
    assert validator.validate(request.url, {}, request.headers["X-Twilio-Signature"])


def test_without_the_header_rest_actions_fire_nothing(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    configure(sdk, receiver, ["onConversationAdded", "onMessageAdded"])
    conv = conversation(sdk)
    conv.messages.create(body="quiet")
    loud = conversation(sdk, x_twilio_webhook_enabled=ON)
    # Deliveries are written in the action's own transaction: the log is complete when
    # the calls return, whatever is still in flight to the receiver.
    logged = [(d["event_type"], d["conversation_sid"]) for d in deliveries(server)]
    assert logged == [("onConversationAdded", loud.sid)]
    receiver.wait_for(1, path="/post")
    assert [r.params["EventType"] for r in receiver.requests] == ["onConversationAdded"]


def test_service_configuration_overrides_the_global_one(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    configure(sdk, receiver, ["onConversationAdded"])
    service = sdk.conversations.v1.services.create(friendly_name="own hooks")
    sdk.conversations.v1.services(service.sid).configuration.webhooks().update(
        post_webhook_url=receiver.base + "/service", filters=["onConversationAdded"]
    )
    own = sdk.conversations.v1.services(service.sid).conversations
    own.create(x_twilio_webhook_enabled=ON)
    conversation(sdk, x_twilio_webhook_enabled=ON)
    receiver.wait_for(2)
    assert sorted(r.path for r in receiver.requests) == ["/post", "/service"]


def test_scoped_webhook_and_trigger_receive_their_own_copies(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    conv = conversation(sdk)
    hooks = sdk.conversations.v1.conversations(conv.sid).webhooks
    plain = hooks.create(
        target="webhook",
        configuration_url=receiver.base + "/scoped",
        configuration_filters=["onMessageAdded"],
    )
    trigger = hooks.create(
        target="trigger",
        configuration_url=receiver.base + "/trigger",
        configuration_triggers=["help"],
    )
    conv.messages.create(body="nothing to see", x_twilio_webhook_enabled=ON)
    conv.messages.create(body="Help me please", x_twilio_webhook_enabled=ON)
    scoped = receiver.wait_for(2, path="/scoped")
    triggered = receiver.wait_for(1, path="/trigger")
    assert {r.params["WebhookSid"] for r in scoped} == {plain.sid}
    assert [r.params["Body"] for r in triggered] == ["Help me please"]
    assert triggered[0].params["WebhookSid"] == trigger.sid
    for request in [*scoped, *triggered]:
        assert_signed(server, request)


def test_studio_flows_go_to_the_mapped_url_or_are_logged_undeliverable(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    mapped, unmapped = "FW" + "a" * 32, "FW" + "b" * 32
    status, _ = call(server, "POST", f"/_hookline/flows/{mapped}", {"Url": receiver.base + "/fw"})
    assert status == 200
    conv = conversation(sdk)
    hooks = sdk.conversations.v1.conversations(conv.sid).webhooks
    hooks.create(target="studio", configuration_flow_sid=mapped)
    hooks.create(target="studio", configuration_flow_sid=unmapped)
    conv.messages.create(body="to the flow", x_twilio_webhook_enabled=ON)
    (request,) = receiver.wait_for(1, path="/fw")
    assert request.params["EventType"] == "onMessageAdded"
    assert_signed(server, request)
    undeliverable = deliveries(server, Status="undeliverable")
    assert len(undeliverable) == 1 and unmapped in (undeliverable[0]["last_error"] or "")


def test_replay_after_sends_old_messages_in_order_before_new_ones(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    conv = conversation(sdk)
    for n in range(4):
        conv.messages.create(body=f"old {n}")
    sdk.conversations.v1.conversations(conv.sid).webhooks.create(
        target="webhook",
        configuration_url=receiver.base + "/replay",
        configuration_filters=["onMessageAdded"],
        configuration_replay_after=2,
    )
    conv.messages.create(body="new", x_twilio_webhook_enabled=ON)
    got = receiver.wait_for(3, path="/replay")
    assert [r.params["Body"] for r in got] == ["old 2", "old 3", "new"]
    assert [r.params["Index"] for r in got] == ["2", "3", "4"]


def test_pre_event_rejection_fails_the_call_and_stores_nothing(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    configure(sdk, receiver, ["onMessageAdd", "onMessageAdded"])
    receiver.respond("/pre", 403)
    conv = conversation(sdk)
    with pytest.raises(TwilioRestException) as rejected:
        conv.messages.create(body="spam", x_twilio_webhook_enabled=ON)
    assert (rejected.value.status, rejected.value.code) == (403, 50350)
    assert conv.messages.list() == []
    (pre,) = receiver.wait_for(1, path="/pre")
    assert_signed(server, pre)
    # Nothing but the pre-event call is in the log: no post-event was ever queued.
    assert [(d["event_type"], d["status"]) for d in deliveries(server)] == [
        ("onMessageAdd", "rejected")
    ]
    assert receiver.matching(path="/post") == []


def test_pre_event_answer_modifies_the_message(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    configure(sdk, receiver, ["onMessageAdd", "onMessageAdded"])
    receiver.respond("/pre", 200, {"body": "[redacted]", "author": "moderator", "index": 7})
    conv = conversation(sdk)
    message = conv.messages.create(body="my password", x_twilio_webhook_enabled=ON)
    assert (message.body, message.author, message.index) == ("[redacted]", "moderator", 0)
    (post,) = receiver.wait_for(1, path="/post")
    assert post.params["Body"] == "[redacted]"


def test_pre_event_timeout_lets_the_action_through_after_five_seconds(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    configure(sdk, receiver, ["onMessageAdd"])
    receiver.respond("/pre", 403, delay=HOOK_DELAY)
    conv = conversation(sdk)
    started = time.monotonic()
    message = conv.messages.create(body="slow hook", x_twilio_webhook_enabled=ON)
    took = time.monotonic() - started
    assert message.body == "slow hook"
    # Not before Twilio's 5 s (timers never fire early), and not by waiting for the hook's
    # late 403 (which would have rejected the message).
    assert PRE_EVENT_TIMEOUT <= took < HOOK_DELAY, took
    (logged,) = deliveries(server, EventType="onMessageAdd")
    assert logged["status"] == "failed" and logged["last_status"] is None


def test_retries_keep_the_idempotency_token_and_count_up(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    sdk.conversations.v1.configuration.webhooks().update(
        filters=["onConversationAdded"], post_webhook_url=receiver.base + "/flaky#rc=2&rp=5xx"
    )
    receiver.respond("/flaky", 503, times=1)
    conversation(sdk, x_twilio_webhook_enabled=ON)
    first, second = receiver.wait_for(2, path="/flaky")
    assert first.path == "/flaky" and "#" not in first.url
    token = first.headers["I-Twilio-Idempotency-Token"]
    assert second.headers["I-Twilio-Idempotency-Token"] == token
    assert (first.params["RetryCount"], second.params["RetryCount"]) == ("0", "1")
    assert_signed(server, second)
    (row,) = deliveries(server)
    detail = recorded(server, row["sid"], attempts=2)
    assert [a["response"]["status"] for a in detail["attempt_log"]] == [503, 200]


def test_resend_delivers_again_with_the_same_token(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    configure(sdk, receiver, ["onConversationAdded"])
    conversation(sdk, x_twilio_webhook_enabled=ON)
    (first,) = receiver.wait_for(1, path="/post")
    (row,) = deliveries(server)
    status, _ = call(server, "POST", f"/_hookline/deliveries/{row['sid']}/Resend")
    assert status == 202
    again = receiver.wait_for(2, path="/post")[1]
    token = first.headers["I-Twilio-Idempotency-Token"]
    assert again.headers["I-Twilio-Idempotency-Token"] == token
