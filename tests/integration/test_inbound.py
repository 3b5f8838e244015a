"""Inbound SMS/WhatsApp: routing to an open conversation, or auto-creation per the
receiving address's configuration, with every event in order and signed."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from tests.integration.events_support import emitted, event_types, hook_everything
from tests.support.control import call
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess

PHONE = "+15557770001"
NUMBER = "+15550009999"
FLOW = "FW" + "b" * 32
STEPS = [
    "onConversationAdd", "onConversationAdded", "onParticipantAdd", "onParticipantAdded",
    "onMessageAdd", "onMessageAdded",
]  # fmt: skip


def inbound(server: ServerProcess, **form: str) -> tuple[int, Any]:
    return call(server, "POST", "/_hookline/Inbound", form)


def signed(server: ServerProcess, request: Any) -> bool:
    validator = RequestValidator(server.auth_token)
    return bool(
        validator.validate(request.url, request.params, request.headers["X-Twilio-Signature"])
    )


@pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)
def test_first_sms_creates_a_conversation_second_lands_in_it(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    hook_everything(sdk, receiver, [*STEPS])
    service = sdk.conversations.v1.services.create(friendly_name="inbound")
    sdk.conversations.v1.address_configurations.create(
        type="sms", address=NUMBER, auto_creation_enabled=True, auto_creation_type="webhook",
        auto_creation_conversation_service_sid=service.sid,
        auto_creation_webhook_url=f"{receiver.base}/scoped",
        auto_creation_webhook_filters=["onParticipantAdded", "onMessageAdded"],
    )  # fmt: skip
    status, first = inbound(server, From=PHONE, To=NUMBER, Body="hello")
    assert status == 201, first
    assert first["created"] is True and first["chat_service_sid"] == service.sid
    assert first["conversation"]["url"] == (
        f"{server.base_url}/v1/Services/{service.sid}/Conversations/{first['conversation_sid']}"
    )
    conv = sdk.conversations.v1.services(service.sid).conversations(first["conversation_sid"])
    (participant,) = conv.participants.list()
    assert participant.sid == first["participant_sid"]
    assert participant.messaging_binding == {
        "type": "sms", "address": PHONE, "proxy_address": NUMBER,
    }  # fmt: skip
    (message,) = conv.messages.list()
    assert (message.sid, message.body, message.author) == (first["message_sid"], "hello", PHONE)
    assert message.participant_sid == participant.sid
    (hook,) = conv.webhooks.list()
    assert hook.configuration["url"] == f"{receiver.base}/scoped"
    assert event_types(server) == STEPS

    scoped = receiver.wait_for(2, path="/scoped", timeout=30)
    assert [r.params["EventType"] for r in scoped] == ["onParticipantAdded", "onMessageAdded"]
    assert all(signed(server, r) and r.params["Source"] == "SMS" for r in scoped)
    assert {r.params["ConversationSid"] for r in scoped} == {first["conversation_sid"]}
    add = receiver.wait_for(1, path="/pre", event="onConversationAdd", timeout=30)[0].params
    assert (add["MessagingBinding.Address"], add["MessagingBinding.ProxyAddress"]) == (
        PHONE, NUMBER,
    )  # fmt: skip
    assert add["MessageBody"] == "hello" and add["ChatServiceSid"] == service.sid
    posted = receiver.wait_for(3, path="/post", timeout=30)
    assert all(signed(server, r) for r in posted)

    status, second = inbound(server, From=PHONE, To=NUMBER, Body="again")
    assert status == 201, second
    assert second["created"] is False
    assert (second["conversation_sid"], second["participant_sid"]) == (
        first["conversation_sid"], first["participant_sid"],
    )  # fmt: skip
    assert [m.body for m in conv.messages.list()] == ["hello", "again"]
    assert receiver.wait_for(3, path="/scoped", timeout=30)[2].params["Body"] == "again"
    assert event_types(server) == [*STEPS, "onMessageAdd", "onMessageAdded"]


def test_whatsapp_studio_and_default_service(sdk: Any, server: ServerProcess) -> None:
    sdk.conversations.v1.address_configurations.create(
        type="whatsapp", address=NUMBER, auto_creation_enabled=True,
        auto_creation_type="studio", auto_creation_studio_flow_sid=FLOW,
    )  # fmt: skip
    status, answer = inbound(server, From=f"whatsapp:{PHONE}", To=NUMBER, Body="hi")
    assert status == 201, answer
    conv = sdk.conversations.v1.conversations(answer["conversation_sid"])
    assert conv.fetch().chat_service_sid == answer["chat_service_sid"]
    (hook,) = conv.webhooks.list()
    assert (hook.target, hook.configuration["flow_sid"]) == ("studio", FLOW)
    assert answer["participant"]["messaging_binding"]["proxy_address"] == f"whatsapp:{NUMBER}"
    (added,) = emitted(server, "onMessageAdded")
    assert (added["Source"], added["Author"]) == ("WHATSAPP", f"whatsapp:{PHONE}")


def test_no_conversation_and_no_auto_creation_is_404(sdk: Any, server: ServerProcess) -> None:
    status, body = inbound(server, From=PHONE, To=NUMBER, Body="anyone?")
    assert status == 404 and "no address configuration" in body["message"]
    sdk.conversations.v1.address_configurations.create(type="sms", address=NUMBER)
    assert inbound(server, From=PHONE, To=NUMBER, Body="anyone?")[0] == 404
    assert event_types(server) == []
    assert inbound(server, From=PHONE, To=NUMBER)[0] == 400


def test_existing_conversation_without_configuration(sdk: Any, server: ServerProcess) -> None:
    conv = sdk.conversations.v1.conversations.create()
    closed = sdk.conversations.v1.conversations.create()
    for target in (closed, conv):
        target_api = sdk.conversations.v1.conversations(target.sid)
        target_api.participants.create(
            messaging_binding_address=PHONE, messaging_binding_proxy_address=NUMBER
        )
        if target is closed:
            target_api.update(state="closed")
    status, answer = inbound(server, From=PHONE, To=NUMBER, Body="hi", MediaSid="ME" + "1" * 32)
    assert (status, answer["conversation_sid"], answer["created"]) == (201, conv.sid, False)
    assert answer["message"]["media"][0]["sid"] == "ME" + "1" * 32
