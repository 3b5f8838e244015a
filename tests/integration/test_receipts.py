"""Delivery receipts: written through /_hookline, read through the official SDK."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException

from tests.support.control import call
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess

SMS = "+15550001111"
WHATSAPP = "whatsapp:+15550002222"


def _setup(sdk: Any, service_sid: str | None = None) -> tuple[Any, Any, Any]:
    root = sdk.conversations.v1.services(service_sid) if service_sid else sdk.conversations.v1
    conv = root.conversations.create(friendly_name="receipts")
    handle = root.conversations(conv.sid)
    sms = handle.participants.create(messaging_binding_address=SMS)
    message = handle.messages.create(author="agent", body="your order shipped")
    return conv, sms, message


def _report(server: ServerProcess, conv: str, message: str, **form: str) -> tuple[int, Any]:
    path = f"/_hookline/Conversations/{conv}/Messages/{message}/Receipts"
    return call(server, "POST", path, form)


def test_receipt_lifecycle_through_the_sdk(sdk: Any, server: ServerProcess) -> None:
    conv, sms, message = _setup(sdk)
    status, created = _report(server, conv.sid, message.sid, ParticipantSid=sms.sid, Status="sent")
    assert status == 201, created
    assert created["sid"].startswith("DY") and "chat_service_sid" not in created
    status, body = _report(server, conv.sid, message.sid, ParticipantSid=SMS, Status="delivered")
    assert (status, body["sid"], body["status"]) == (200, created["sid"], "delivered")

    handle = sdk.conversations.v1.conversations(conv.sid).messages(message.sid)
    (listed,) = handle.delivery_receipts.list()
    assert (listed.sid, listed.status, listed.participant_sid) == (
        created["sid"],
        "delivered",
        sms.sid,
    )
    assert listed.channel_message_sid.startswith("SM") and listed.error_code == 0
    fetched = handle.delivery_receipts(created["sid"]).fetch()
    assert fetched.url == (
        f"{server.base_url}/v1/Conversations/{conv.sid}/Messages/{message.sid}"
        f"/Receipts/{created['sid']}"
    )
    assert handle.fetch().delivery == {
        "total": 1, "sent": "all", "delivered": "all", "read": "none",
        "failed": "none", "undelivered": "none",
    }  # fmt: skip
    assert sdk.conversations.v1.conversations(conv.sid).messages.list()[0].delivery["total"] == 1


def test_service_form_and_whatsapp_failure(sdk: Any, server: ServerProcess) -> None:
    service = sdk.conversations.v1.services.create(friendly_name="other")
    conv, _, message = _setup(sdk, service.sid)
    root = sdk.conversations.v1.services(service.sid).conversations(conv.sid)
    wa = root.participants.create(messaging_binding_address=WHATSAPP)
    status, body = _report(
        server, conv.sid, message.sid,
        ParticipantSid=wa.sid, Status="failed", ErrorCode="63016", ChatServiceSid=service.sid,
    )  # fmt: skip
    assert status == 201, body
    assert body["chat_service_sid"] == service.sid and body["channel_message_sid"][:2] == "WA"
    (receipt,) = root.messages(message.sid).delivery_receipts.list()
    assert (receipt.status, receipt.error_code, receipt.chat_service_sid) == (
        "failed", 63016, service.sid,
    )  # fmt: skip
    assert root.messages(message.sid).fetch().delivery["failed"] == "all"
    # The default service does not hold this conversation.
    status, _ = _report(server, conv.sid, message.sid, ParticipantSid=wa.sid, Status="sent")
    assert status == 404


def test_on_delivery_updated_is_delivered_with_documented_parameters(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    sdk.conversations.v1.configuration.webhooks().update(
        filters=["onDeliveryUpdated"], post_webhook_url=receiver.base + "/post", method="POST"
    )
    conv, sms, message = _setup(sdk)
    _, receipt = _report(server, conv.sid, message.sid, ParticipantSid=sms.sid, Status="sent")
    (request,) = receiver.wait_for(1, path="/post", event="onDeliveryUpdated")
    params = {k: v for k, v in request.params.items() if k != "RetryCount"}
    assert params == {
        "AccountSid": server.account_sid, "EventType": "onDeliveryUpdated", "Source": "SMS",
        "ConversationSid": conv.sid, "ChatServiceSid": conv.chat_service_sid,
        "MessageSid": message.sid, "DeliveryReceiptSid": receipt["sid"],
        "ChannelMessageSid": receipt["channel_message_sid"], "ParticipantSid": sms.sid,
        "Status": "sent", "ErrorCode": "0",
        "DateCreated": receipt["date_created"], "DateUpdated": receipt["date_updated"],
    }  # fmt: skip
    status, events = call(server, "GET", "/_hookline/events", {"EventType": "onDeliveryUpdated"})
    assert status == 200 and events["events"][0]["params"] == params


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [  # each after one "sent" report
        ({"ParticipantSid": SMS, "Status": "read"}, 400, 20001),
        ({"ParticipantSid": SMS, "Status": "sent"}, 400, 20001),
        ({"ParticipantSid": SMS, "Status": "lost"}, 400, 20001),
        ({"ParticipantSid": SMS}, 400, 20001),
        ({"Status": "delivered"}, 400, 20001),
        ({"ParticipantSid": SMS, "Status": "failed", "ErrorCode": "abc"}, 400, 20001),
        ({"ParticipantSid": "MB" + "0" * 32, "Status": "delivered"}, 404, 20404),
        ({"ParticipantSid": "agent", "Status": "delivered"}, 404, 20404),
        ({"ParticipantSid": SMS, "Status": "delivered", "Extra": "x"}, 400, 20001),
        ({"ParticipantSid": SMS, "Status": "delivered", "ChatServiceSid": "IS1"}, 404, 20404),
    ],
)
def test_bad_reports_are_twilio_errors(
    sdk: Any, server: ServerProcess, form: dict[str, str], status: int, code: int
) -> None:
    conv, _, message = _setup(sdk)
    assert _report(server, conv.sid, message.sid, ParticipantSid=SMS, Status="sent")[0] == 201
    got, body = _report(server, conv.sid, message.sid, **form)
    assert (got, body["code"], body["status"]) == (status, code, status), body


def test_unknown_receipt_message_or_conversation_is_404(sdk: Any, server: ServerProcess) -> None:
    conv, _, message = _setup(sdk)
    handle = sdk.conversations.v1.conversations(conv.sid)
    for sid in ("DY" + "0" * 32, "nope"):
        with pytest.raises(TwilioRestException) as raised:
            handle.messages(message.sid).delivery_receipts(sid).fetch()
        assert (raised.value.status, raised.value.code) == (404, 20404)
    with pytest.raises(TwilioException, match="20404"):  # the SDK's list raises the base class
        handle.messages("IM" + "0" * 32).delivery_receipts.list()
    status, _ = _report(server, "CH" + "0" * 32, message.sid, ParticipantSid=SMS, Status="sent")
    assert status == 404
