from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hookline.domain import conversations, messages, receipts
from hookline.domain.accounts import Account
from hookline.domain.events import RecordingSink
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import InvalidParameter, NotFound
from hookline.types import Record

API = Actor.rest(False)


async def _participant(rt: Runtime, conv: Record, **fields: Any) -> Record:
    participant = {
        "sid": rt.sids.new("MB"),
        "account_sid": conv["account_sid"],
        "chat_service_sid": conv["chat_service_sid"],
        "conversation_sid": conv["sid"],
        "identity": None,
        "address": None,
    } | fields
    async with rt.store.transaction() as tx:
        await tx.insert("participant", participant)
    return participant


async def _setup(rt: Runtime, account: Account) -> tuple[Record, Record, Record]:
    service = account.default_service_sid
    conv = await conversations.create(rt, API, account.sid, service, {})
    sms = await _participant(rt, conv, address="+15550001111")
    message = await messages.create(rt, API, account.sid, service, conv["sid"], {"body": "hi"})
    return conv, message, sms


async def _set(
    rt: Runtime, account: Account, message: Record, who: str, status: str, code: str | None = None
) -> tuple[Record, bool]:
    return await receipts.set_status(
        rt,
        account.sid,
        account.default_service_sid,
        message["conversation_sid"],
        message["sid"],
        who,
        status,
        code,
    )


async def test_first_report_creates_and_fires_documented_parameters(
    rt: Runtime, account: Account
) -> None:
    conv, message, sms = await _setup(rt, account)
    receipt, created = await _set(rt, account, message, sms["sid"], "sent")
    assert created and receipt["sid"].startswith("DY") and receipt["error_code"] == 0
    assert receipt["channel_message_sid"].startswith("SM")
    assert isinstance(rt.sink, RecordingSink)
    event = rt.sink.events[-1]
    assert event.name == "onDeliveryUpdated"
    assert event.params == {
        "AccountSid": account.sid, "EventType": "onDeliveryUpdated", "Source": "SMS",
        "ConversationSid": conv["sid"], "ChatServiceSid": account.default_service_sid,
        "MessageSid": message["sid"], "DeliveryReceiptSid": receipt["sid"],
        "ChannelMessageSid": receipt["channel_message_sid"], "ParticipantSid": sms["sid"],
        "Status": "sent", "ErrorCode": "0",
        "DateCreated": "2026-01-01T00:00:00Z", "DateUpdated": "2026-01-01T00:00:00Z",
    }  # fmt: skip


async def test_transitions_move_the_same_receipt(rt: Runtime, account: Account) -> None:
    _, message, sms = await _setup(rt, account)
    first, _ = await _set(rt, account, message, "+15550001111", "sent")
    second, created = await _set(rt, account, message, sms["sid"], "delivered")
    third, _ = await _set(rt, account, message, sms["sid"], "read")
    assert not created and first["sid"] == second["sid"] == third["sid"]
    assert third["status"] == "read"
    assert isinstance(rt.sink, RecordingSink)
    statuses = [e.params["Status"] for e in rt.sink.events if e.name == "onDeliveryUpdated"]
    assert statuses == ["sent", "delivered", "read"]
    async with rt.store.read() as tx:
        assert len(await tx.find("receipt", message_sid=message["sid"])) == 1


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (["sent"], "sent"),
        (["delivered"], "sent"),
        (["sent", "delivered", "read"], "failed"),
        (["failed"], "delivered"),
        (["undelivered"], "read"),
        (["sent"], "read"),
    ],
)
async def test_invalid_transitions_are_400(
    rt: Runtime, account: Account, path: list[str], bad: str
) -> None:
    _, message, sms = await _setup(rt, account)
    for status in path:
        await _set(rt, account, message, sms["sid"], status)
    with pytest.raises(InvalidParameter) as raised:
        await _set(rt, account, message, sms["sid"], bad)
    assert raised.value.status == 400 and f"from {path[-1]} to {bad}" in raised.value.message


async def test_failed_carries_error_code_and_whatsapp_channel(
    rt: Runtime, account: Account
) -> None:
    conv, message, _ = await _setup(rt, account)
    wa = await _participant(rt, conv, address="whatsapp:+15550002222")
    receipt, _ = await _set(rt, account, message, wa["sid"], "failed", "30008")
    assert receipt["error_code"] == 30008 and receipt["channel_message_sid"].startswith("WA")
    assert isinstance(rt.sink, RecordingSink)
    params = rt.sink.events[-1].params
    assert (params["Source"], params["ErrorCode"]) == ("WHATSAPP", "30008")


@pytest.mark.parametrize(
    ("who", "status", "code", "error"),
    [
        (None, "sent", None, InvalidParameter),
        ("+15550001111", "bogus", None, InvalidParameter),
        ("+15550001111", None, None, InvalidParameter),
        ("+15550001111", "sent", "30008", InvalidParameter),
        ("+15550001111", "failed", "x", InvalidParameter),
        ("MB" + "0" * 32, "sent", None, NotFound),
        ("nobody", "sent", None, NotFound),
        ("chatty", "sent", None, InvalidParameter),
    ],
)
async def test_bad_reports_are_rejected(
    rt: Runtime,
    account: Account,
    who: str | None,
    status: str | None,
    code: str | None,
    error: type[Exception],
) -> None:
    conv, message, _ = await _setup(rt, account)
    await _participant(rt, conv, identity="chatty")
    with pytest.raises(error):
        await receipts.set_status(
            rt, account.sid, account.default_service_sid, conv["sid"], message["sid"],
            who, status, code,
        )  # fmt: skip


async def test_unknown_message_is_404(rt: Runtime, account: Account) -> None:
    conv, _, _ = await _setup(rt, account)
    with pytest.raises(NotFound):
        await _set(
            rt, account, {"conversation_sid": conv["sid"], "sid": "IM" + "0" * 32}, "x", "sent"
        )


def _receipt(status: str) -> Record:
    return {"status": status}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], None),
        (["sent"], {"total": 1, "sent": "all", "delivered": "none", "read": "none",
                    "failed": "none", "undelivered": "none"}),
        (["read", "delivered"], {"total": 2, "sent": "all", "delivered": "all", "read": "some",
                                 "failed": "none", "undelivered": "none"}),
        (["failed", "undelivered", "sent"], {"total": 3, "sent": "some", "delivered": "none",
                                             "read": "none", "failed": "some",
                                             "undelivered": "some"}),
    ],
)  # fmt: skip
def test_delivery_summary(statuses: list[str], expected: Record | None) -> None:
    assert receipts.summary([_receipt(s) for s in statuses]) == expected


async def test_summaries_follow_receipts(rt: Runtime, account: Account) -> None:
    conv, message, sms = await _setup(rt, account)
    other = await _participant(rt, conv, address="+15550003333")
    await _set(rt, account, message, sms["sid"], "sent")
    await _set(rt, account, message, other["sid"], "delivered")
    async with rt.store.read() as tx:
        found = await receipts.summaries(tx, [message["sid"]])
    assert found[message["sid"]] == {
        "total": 2, "sent": "all", "delivered": "some", "read": "none",
        "failed": "none", "undelivered": "none",
    }  # fmt: skip


async def test_concurrent_reports_move_a_receipt_once(rt: Runtime, account: Account) -> None:
    _, message, sms = await _setup(rt, account)
    await _set(rt, account, message, sms["sid"], "sent")
    outcomes = await asyncio.gather(
        *(_set(rt, account, message, sms["sid"], "delivered") for _ in range(5)),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, InvalidParameter) for o in outcomes if isinstance(o, BaseException))
    assert isinstance(rt.sink, RecordingSink)
    delivered = [e for e in rt.sink.events if e.params.get("Status") == "delivered"]
    assert len(delivered) == 1
