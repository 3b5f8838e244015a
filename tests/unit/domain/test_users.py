from __future__ import annotations

import pytest

from hookline.domain import conversations, memberships, messages, participants, roles, users
from hookline.domain.accounts import Account
from hookline.domain.events import RecordingSink
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import Conflict, InvalidParameter, NotFound

API = Actor.rest(True)
T0 = "2026-01-01T00:00:00Z"


def events(rt: Runtime) -> list[tuple[str, dict[str, str]]]:
    assert isinstance(rt.sink, RecordingSink)
    return [(e.name, e.params) for e in rt.sink.events]


async def _role(rt: Runtime, account: Account, name: str) -> str:
    async with rt.store.read() as tx:
        sid = await roles.default_role_sid(tx, account.default_service_sid, name)
    assert sid
    return sid


async def _create(rt: Runtime, account: Account, **fields: str) -> dict[str, object]:
    return await users.create(rt, API, account.sid, account.default_service_sid, fields)


async def test_create_emits_user_added_with_documented_parameters(
    rt: Runtime, account: Account
) -> None:
    user = await _create(rt, account, identity="alice", friendly_name="Alice")
    assert user["role_sid"] == await _role(rt, account, "service user")
    assert user["is_online"] is None and user["is_notifiable"] is None
    assert events(rt) == [
        ("onUserAdded", {
            "AccountSid": account.sid, "EventType": "onUserAdded", "Source": "API",
            "ChatServiceSid": account.default_service_sid, "UserSid": user["sid"],
            "DateCreated": T0, "Identity": "alice", "RoleSid": user["role_sid"],
            "Attributes": "{}", "FriendlyName": "Alice",
        })
    ]  # fmt: skip


async def test_update_emits_user_update_and_updated(rt: Runtime, account: Account) -> None:
    user = await _create(rt, account, identity="alice")
    admin = await _role(rt, account, "service admin")
    rt.clock.advance(5)  # type: ignore[attr-defined]
    ids = (account.sid, account.default_service_sid, "alice")
    await users.update(rt, API, *ids, {"friendly_name": "A", "role_sid": admin, "attributes": "[]"})
    (pre_name, pre), (post_name, post) = events(rt)[1:]
    base = {
        "AccountSid": account.sid, "Source": "API",
        "ChatServiceSid": account.default_service_sid, "UserSid": user["sid"],
        "DateUpdated": "2026-01-01T00:00:05Z", "Identity": "alice", "RoleSid": admin,
        "Attributes": "[]", "FriendlyName": "A",
    }  # fmt: skip
    assert (pre_name, post_name) == ("onUserUpdate", "onUserUpdated")
    assert pre == base | {"EventType": "onUserUpdate"}
    assert post == base | {
        "EventType": "onUserUpdated", "DateCreated": T0, "isOnline": "false",
        "isNotifiable": "false",
    }  # fmt: skip


async def test_identity_is_unique_and_lookups(rt: Runtime, account: Account) -> None:
    user = await _create(rt, account, identity="alice")
    with pytest.raises(Conflict) as raised:
        await _create(rt, account, identity="alice")
    assert (raised.value.status, raised.value.code) == (409, 50201)
    async with rt.store.read() as tx:
        for ref in ("alice", str(user["sid"])):
            assert (await users.find(tx, account.sid, account.default_service_sid, ref)) == user
    await users.delete(rt, API, account.sid, account.default_service_sid, "alice")
    async with rt.store.read() as tx:
        with pytest.raises(NotFound):
            await users.find(tx, account.sid, account.default_service_sid, str(user["sid"]))


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, 20001),
        ({"identity": ""}, 20001),
        ({"identity": "a", "attributes": "nope"}, 50001),
        ({"identity": "a", "role_sid": "RLx"}, 20001),
        ({"identity": "a", "friendly_name": "x" * 257}, 20001),
    ],
)
async def test_bad_users_are_rejected(
    rt: Runtime, account: Account, fields: dict[str, str], code: int
) -> None:
    with pytest.raises(InvalidParameter) as raised:
        await _create(rt, account, **fields)
    assert raised.value.code == code


async def test_role_must_be_a_service_role(rt: Runtime, account: Account) -> None:
    channel_role = await _role(rt, account, "channel user")
    with pytest.raises(InvalidParameter) as raised:
        await _create(rt, account, identity="a", role_sid=channel_role)
    assert raised.value.code == 50100


async def test_unknown_service_is_not_found(rt: Runtime, account: Account) -> None:
    with pytest.raises(NotFound):
        await users.create(rt, API, account.sid, "IS" + "0" * 32, {"identity": "a"})


async def test_user_conversation_read_horizon_and_leave(rt: Runtime, account: Account) -> None:
    service = account.default_service_sid
    conv = await conversations.create(rt, API, account.sid, service, {"unique_name": "room"})
    await participants.create(rt, API, account.sid, service, "room", {"identity": "alice"})
    for body in ("one", "two", "three"):
        await messages.create(rt, API, account.sid, service, "room", {"body": body})
    found = await memberships.of_user(rt, account.sid, service, "alice", "room")
    assert found.unread_messages_count is None and found.user_sid
    refs = ("alice", str(conv["sid"]))
    fields = {"last_read_message_index": "0", "notification_level": "muted"}
    updated = await memberships.update_of_user(rt, API, account.sid, service, *refs, fields)
    assert updated.unread_messages_count == 2
    assert updated.participant["notification_level"] == "muted"
    assert events(rt)[-1][0] == "onParticipantUpdated"
    await memberships.leave(rt, API, account.sid, service, *refs)
    assert events(rt)[-1][0] == "onParticipantRemoved"
    with pytest.raises(NotFound):
        await memberships.of_user(rt, account.sid, service, *refs)
