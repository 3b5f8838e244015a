from __future__ import annotations

import asyncio

import pytest

from hookline.domain import conversations, messages, participants
from hookline.domain.accounts import Account
from hookline.domain.events import RecordingSink
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import InvalidParameter, NotFound

SDK = Actor(source="SDK", client_identity="alice", webhooks=True)


def last(rt: Runtime) -> tuple[str, dict[str, str]]:
    assert isinstance(rt.sink, RecordingSink)
    return rt.sink.events[-1].name, rt.sink.events[-1].params


async def _conv(rt: Runtime, account: Account) -> dict[str, object]:
    """A conversation alice belongs to (joined through REST, which fires nothing), so that
    her conversation role lets her post and edit or delete her own messages."""
    ids = (account.sid, account.default_service_sid)
    conv = await conversations.create(rt, SDK, *ids, {})
    await participants.create(rt, Actor(), *ids, str(conv["sid"]), {"identity": "alice"})
    return conv


async def test_message_add_events_carry_documented_parameters(
    rt: Runtime, account: Account
) -> None:
    conv = await _conv(rt, account)
    ids = (account.sid, account.default_service_sid, str(conv["sid"]))
    message = await messages.create(rt, SDK, *ids, {"body": "hello"})
    assert isinstance(rt.sink, RecordingSink)
    pre = rt.sink.events[-2]
    assert pre.name == "onMessageAdd"
    assert pre.params == {
        "AccountSid": account.sid, "EventType": "onMessageAdd", "Source": "SDK",
        "ClientIdentity": "alice", "ConversationSid": conv["sid"],
        "ChatServiceSid": account.default_service_sid,
        "MessagingServiceSid": conv["messaging_service_sid"],
        "Body": "hello", "Author": "alice", "ParticipantSid": message["participant_sid"],
        "Attributes": "{}",
    }  # fmt: skip
    name, post = last(rt)
    assert name == "onMessageAdded"
    assert post == pre.params | {
        "EventType": "onMessageAdded", "MessageSid": message["sid"], "Index": "0",
        "DateCreated": "2026-01-01T00:00:00Z",
    }  # fmt: skip


async def test_update_and_remove(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account)
    ids = (account.sid, account.default_service_sid, str(conv["sid"]))
    message = await messages.create(rt, SDK, *ids, {"body": "hello"})
    await messages.update(rt, SDK, *ids, message["sid"], {"body": "edited"})
    name, params = last(rt)
    assert (name, params["Body"], params["DateUpdated"]) == (
        "onMessageUpdated", "edited", "2026-01-01T00:00:00Z",
    )  # fmt: skip
    await messages.delete(rt, SDK, *ids, message["sid"])
    name, params = last(rt)
    assert name == "onMessageRemoved" and "DateRemoved" in params
    async with rt.store.read() as tx:
        conv_record = await tx.get("conversation", sid=conv["sid"])
        assert conv_record is not None
        with pytest.raises(NotFound):
            await messages.find(tx, conv_record, message["sid"])


async def test_concurrent_posts_get_indexes_0_to_49(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account)
    ids = (account.sid, account.default_service_sid, str(conv["sid"]))
    created = await asyncio.gather(
        *(messages.create(rt, SDK, *ids, {"body": str(n)}) for n in range(50))
    )
    assert sorted(m["index"] for m in created) == list(range(50))


@pytest.mark.parametrize(
    "fields", [{}, {"Body": "x", "Attributes": "{"}, {"body": "x" * 1601}, {"media_sid": "ME1"}]
)
async def test_bad_messages_are_rejected(
    rt: Runtime, account: Account, fields: dict[str, str]
) -> None:
    conv = await _conv(rt, account)
    with pytest.raises(InvalidParameter):
        await messages.create(
            rt, SDK, account.sid, account.default_service_sid, str(conv["sid"]), fields
        )
