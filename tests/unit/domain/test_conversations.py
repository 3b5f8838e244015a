from __future__ import annotations

import pytest

from hookline.domain import conversations, roles, users
from hookline.domain.accounts import Account
from hookline.domain.events import RecordingSink
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import Conflict, InvalidParameter, NotFound

SDK = Actor(source="SDK", client_identity="alice", webhooks=True)


async def admin(rt: Runtime, account: Account) -> None:
    """Make alice a service admin (changing or deleting any conversation is hers to do)."""
    async with rt.store.read() as tx:
        role = await roles.default_role_sid(tx, account.default_service_sid, "service admin")
    fields = {"identity": "alice", "role_sid": str(role)}
    await users.create(rt, Actor(), account.sid, account.default_service_sid, fields)


def events(rt: Runtime) -> list[tuple[str, dict[str, str]]]:
    assert isinstance(rt.sink, RecordingSink)
    return [(e.name, e.params) for e in rt.sink.events]


async def test_create_emits_add_then_added_with_twilios_parameters(
    rt: Runtime, account: Account
) -> None:
    conv = await conversations.create(
        rt, SDK, account.sid, account.default_service_sid,
        {"friendly_name": "Support", "unique_name": "support-1", "attributes": '{"a":1}'},
    )  # fmt: skip
    (pre_name, pre), (post_name, post) = events(rt)
    assert pre_name == "onConversationAdd"
    assert pre == {
        "AccountSid": account.sid,
        "EventType": "onConversationAdd",
        "Source": "SDK",
        "ClientIdentity": "alice",
        "FriendlyName": "Support",
        "UniqueName": "support-1",
        "Attributes": '{"a":1}',
        "ChatServiceSid": account.default_service_sid,
        "MessagingServiceSid": conversations.default_messaging_service_sid(account.sid),
        "State": "active",
    }
    assert post_name == "onConversationAdded"
    assert post == {
        "AccountSid": account.sid,
        "EventType": "onConversationAdded",
        "Source": "SDK",
        "ClientIdentity": "alice",
        "ConversationSid": conv["sid"],
        "DateCreated": "2026-01-01T00:00:00Z",
        "DateUpdated": "2026-01-01T00:00:00Z",
        "FriendlyName": "Support",
        "UniqueName": "support-1",
        "Attributes": '{"a":1}',
        "ChatServiceSid": account.default_service_sid,
        "MessagingServiceSid": conversations.default_messaging_service_sid(account.sid),
        "State": "active",
    }


async def test_rest_without_webhook_header_emits_nothing(rt: Runtime, account: Account) -> None:
    await conversations.create(rt, Actor.rest(False), account.sid, account.default_service_sid, {})
    assert events(rt) == []


async def test_state_change_emits_state_updated(rt: Runtime, account: Account) -> None:
    await admin(rt, account)
    conv = await conversations.create(rt, SDK, account.sid, account.default_service_sid, {})
    await conversations.update(
        rt, SDK, account.sid, account.default_service_sid, conv["sid"], {"state": "closed"}
    )
    names = [name for name, _ in events(rt)]
    assert names[-3:] == [
        "onConversationUpdate", "onConversationUpdated", "onConversationStateUpdated",
    ]  # fmt: skip
    state = events(rt)[-1][1]
    assert state["StateFrom"] == "active" and state["StateTo"] == "closed"
    assert state["Reason"] == "API"


async def test_unique_name_clash_and_lookup(rt: Runtime, account: Account) -> None:
    service = account.default_service_sid
    conv = await conversations.create(rt, SDK, account.sid, service, {"unique_name": "room"})
    with pytest.raises(Conflict):
        await conversations.create(rt, SDK, account.sid, service, {"unique_name": "room"})
    async with rt.store.read() as tx:
        assert (await conversations.find(tx, account.sid, service, "room"))["sid"] == conv["sid"]
        with pytest.raises(NotFound):
            await conversations.find(tx, "AC" + "f" * 32, service, conv["sid"])


@pytest.mark.parametrize(
    "fields",
    [
        {"attributes": "{not json"},
        {"state": "paused"},
        {"messaging_service_sid": "MG123"},
        {"timers_inactive": "PT10S"},
        {"timers_closed": "ten minutes"},
        {"date_created": "yesterday"},
    ],
)
async def test_invalid_fields_are_rejected(
    rt: Runtime, account: Account, fields: dict[str, str]
) -> None:
    with pytest.raises(InvalidParameter):
        await conversations.create(rt, SDK, account.sid, account.default_service_sid, fields)


async def test_delete_emits_removed_with_date_removed(rt: Runtime, account: Account) -> None:
    await admin(rt, account)
    conv = await conversations.create(rt, SDK, account.sid, account.default_service_sid, {})
    await conversations.delete(rt, SDK, account.sid, account.default_service_sid, conv["sid"])
    name, params = events(rt)[-1]
    assert name == "onConversationRemoved"
    assert params["DateRemoved"] == "2026-01-01T00:00:00Z"
    async with rt.store.read() as tx:
        assert await tx.count("conversation", sid=conv["sid"]) == 0


async def test_messaging_service_sid_sent_empty_is_not_given(rt: Runtime, account: Account) -> None:
    # Found by the negative fuzz: it stored "", which the spec's MG-SID-or-null forbids.
    await admin(rt, account)
    service = account.default_service_sid
    conv = await conversations.create(rt, SDK, account.sid, service, {})
    updated = await conversations.update(
        rt, SDK, account.sid, service, conv["sid"], {"messaging_service_sid": ""}
    )
    assert updated["messaging_service_sid"] == conv["messaging_service_sid"]
    assert updated["messaging_service_sid"].startswith("MG")
