from __future__ import annotations

from typing import Any

import pytest

from hookline.domain import conversations, participants, roles
from hookline.domain.accounts import Account
from hookline.domain.events import Event, RecordingSink
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import ActionRejected, Conflict, InvalidParameter, NotFound
from hookline.types import Params

API = Actor.rest(True)
T0 = "2026-01-01T00:00:00Z"


class RejectingSink(RecordingSink):
    async def before(self, event: Event) -> Params:
        raise ActionRejected(f"{event.name} rejected", status=403)


def events(rt: Runtime) -> list[tuple[str, dict[str, str]]]:
    assert isinstance(rt.sink, RecordingSink)
    return [(e.name, e.params) for e in rt.sink.events]


def clear(rt: Runtime) -> None:
    assert isinstance(rt.sink, RecordingSink)
    rt.sink.events.clear()


async def _conv(rt: Runtime, account: Account, **fields: str) -> dict[str, Any]:
    return await conversations.create(rt, API, account.sid, account.default_service_sid, fields)


async def _add(rt: Runtime, account: Account, conv: dict[str, Any], **fields: str) -> Any:
    ids = (account.sid, account.default_service_sid, conv["sid"])
    return await participants.create(rt, API, *ids, fields)


async def _channel_user(rt: Runtime, account: Account) -> str:
    async with rt.store.read() as tx:
        sid = await roles.default_role_sid(tx, account.default_service_sid, "channel user")
    assert sid
    return sid


def common(account: Account, name: str) -> dict[str, str]:
    return {"AccountSid": account.sid, "EventType": name, "Source": "API"}


async def test_chat_participant_add_events_and_auto_created_user(
    rt: Runtime, account: Account
) -> None:
    conv = await _conv(rt, account)
    clear(rt)
    member = await _add(rt, account, conv, identity="alice", attributes='{"a":1}')
    role = await _channel_user(rt, account)
    assert member["role_sid"] == role and member["messaging_binding"] is None
    names = [name for name, _ in events(rt)]
    assert names == ["onParticipantAdd", "onUserAdded", "onParticipantAdded"]
    (_, pre), (_, user_added), (_, post) = events(rt)
    base = {
        "ConversationSid": conv["sid"], "Identity": "alice", "RoleSid": role,
        "Attributes": '{"a":1}', "MessagingBinding.Type": "CHAT",
    }  # fmt: skip
    assert pre == common(account, "onParticipantAdd") | base
    assert post == common(account, "onParticipantAdded") | base | {
        "ParticipantSid": member["sid"], "DateCreated": T0,
    }  # fmt: skip
    assert user_added["Identity"] == "alice"
    assert user_added["ChatServiceSid"] == account.default_service_sid


async def test_existing_user_is_not_created_again(rt: Runtime, account: Account) -> None:
    first, second = await _conv(rt, account), await _conv(rt, account)
    await _add(rt, account, first, identity="alice")
    clear(rt)
    await _add(rt, account, second, identity="alice")
    assert [name for name, _ in events(rt)] == ["onParticipantAdd", "onParticipantAdded"]
    async with rt.store.read() as tx:
        assert await tx.count("user", identity="alice") == 1


async def test_sms_participant_binding_and_events(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account)
    clear(rt)
    member = await _add(
        rt, account, conv,
        messaging_binding_address="+15550001", messaging_binding_proxy_address="+15550002",
    )  # fmt: skip
    assert member["identity"] is None
    assert member["messaging_binding"] == {
        "type": "sms", "address": "+15550001", "proxy_address": "+15550002",
    }  # fmt: skip
    assert [name for name, _ in events(rt)] == ["onParticipantAdd", "onParticipantAdded"]
    assert events(rt)[-1][1] == common(account, "onParticipantAdded") | {
        "ConversationSid": conv["sid"], "RoleSid": member["role_sid"], "Attributes": "{}",
        "MessagingBinding.Address": "+15550001", "MessagingBinding.ProxyAddress": "+15550002",
        "MessagingBinding.Type": "SMS", "ParticipantSid": member["sid"], "DateCreated": T0,
    }  # fmt: skip


async def test_whatsapp_and_projected_bindings(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account)
    whatsapp = await _add(rt, account, conv, **{"messaging_binding_address": "whatsapp:+1555"})
    assert whatsapp["messaging_binding"]["type"] == "whatsapp"
    assert events(rt)[-1][1]["MessagingBinding.Type"] == "WHATSAPP"
    chat = await _add(
        rt, account, conv, identity="bob", **{"messaging_binding_projected_address": "+1777"}
    )
    assert chat["messaging_binding"] == {"type": "sms", "projected_address": "+1777"}
    assert events(rt)[-1][1]["MessagingBinding.ProjectedAddress"] == "+1777"


async def test_update_events_carry_read_horizon(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account)
    member = await _add(rt, account, conv, identity="alice")
    rt.clock.advance(60)  # type: ignore[attr-defined]
    clear(rt)
    ids = (account.sid, account.default_service_sid, conv["sid"], member["sid"])
    updated = await participants.update(
        rt, API, *ids, {"attributes": '{"b":2}', "last_read_message_index": "3"}
    )
    assert updated["last_read_message_index"] == 3
    assert updated["last_read_timestamp"] == "2026-01-01T00:01:00Z"
    (pre_name, pre), (post_name, post) = events(rt)
    base = common(account, "") | {
        "ConversationSid": conv["sid"], "Identity": "alice", "RoleSid": member["role_sid"],
        "Attributes": '{"b":2}', "MessagingBinding.Type": "CHAT",
        "ParticipantSid": member["sid"], "DateCreated": T0, "DateUpdated": "2026-01-01T00:01:00Z",
    }  # fmt: skip
    assert (pre_name, post_name) == ("onParticipantUpdate", "onParticipantUpdated")
    assert pre == base | {"EventType": "onParticipantUpdate"}
    assert post == base | {"EventType": "onParticipantUpdated", "LastReadMessageIndex": "3"}


async def test_remove_events_and_lookup_by_identity(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account)
    member = await _add(rt, account, conv, identity="alice")
    clear(rt)
    await participants.delete(
        rt, API, account.sid, account.default_service_sid, conv["sid"], "alice"
    )
    (_, pre), (_, post) = events(rt)
    base = {
        "ConversationSid": conv["sid"], "Identity": "alice", "RoleSid": member["role_sid"],
        "Attributes": "{}", "MessagingBinding.Type": "CHAT", "ParticipantSid": member["sid"],
        "DateCreated": T0, "DateUpdated": T0,
    }  # fmt: skip
    assert pre == common(account, "onParticipantRemove") | base
    assert post == common(account, "onParticipantRemoved") | base | {"DateRemoved": T0}
    async with rt.store.read() as tx:
        with pytest.raises(NotFound):
            await participants.find(tx, conv, member["sid"])


async def test_identity_and_address_conflicts(rt: Runtime, account: Account) -> None:
    conv, other = await _conv(rt, account), await _conv(rt, account)
    sms = {"messaging_binding_address": "+1555", "messaging_binding_proxy_address": "+1666"}
    await _add(rt, account, conv, identity="alice")
    await _add(rt, account, conv, **sms)
    with pytest.raises(Conflict) as same_identity:
        await _add(rt, account, conv, identity="alice")
    assert (same_identity.value.status, same_identity.value.code) == (409, 50433)
    with pytest.raises(Conflict) as same_address:
        await _add(rt, account, conv, **{"messaging_binding_address": "+1555"})
    assert same_address.value.code == 50416
    # The address + proxy pair routes inbound messages: unique across open conversations.
    with pytest.raises(Conflict) as pair:
        await _add(rt, account, other, **sms)
    assert pair.value.code == 50416 and conv["sid"] in pair.value.message
    await conversations.update(
        rt, API, account.sid, account.default_service_sid, conv["sid"], {"state": "closed"}
    )
    await _add(rt, account, other, **sms)


async def test_pre_event_rejection_stores_nothing(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account)
    rt.sink = RejectingSink()
    with pytest.raises(ActionRejected):
        await _add(rt, account, conv, identity="alice")
    async with rt.store.read() as tx:
        assert await tx.count("participant", conversation_sid=conv["sid"]) == 0
        assert await tx.count("user", identity="alice") == 0


async def test_conversation_delete_removes_its_participants(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account, unique_name="room")
    await _add(rt, account, conv, identity="alice")
    await conversations.delete(rt, API, account.sid, account.default_service_sid, "room")
    async with rt.store.read() as tx:
        assert await tx.count("participant", conversation_sid=conv["sid"]) == 0


async def test_rest_without_webhook_header_emits_nothing(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account)
    clear(rt)
    ids = (account.sid, account.default_service_sid, conv["sid"])
    await participants.create(rt, Actor.rest(False), *ids, {"identity": "alice"})
    assert events(rt) == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, 20001),
        ({"identity": "a", "messaging_binding_address": "+1"}, 20001),
        ({"messaging_binding_proxy_address": "+1"}, 20001),
        ({"identity": "a", "messaging_binding_proxy_address": "+1"}, 50441),
        ({"messaging_binding_address": "+1", "messaging_binding_projected_address": "+2"}, 20001),
        (
            {"messaging_binding_address": "+1", "messaging_binding_proxy_address": "whatsapp:+2"},
            20001,
        ),
        ({"identity": "a", "attributes": "{"}, 50001),
        ({"identity": "a", "role_sid": "RL1"}, 20001),
        ({"identity": "a", "date_created": "yesterday"}, 20001),
        ({"identity": "x" * 256}, 20001),
    ],
)
async def test_bad_participants_are_rejected(
    rt: Runtime, account: Account, fields: dict[str, str], code: int
) -> None:
    conv = await _conv(rt, account)
    with pytest.raises(InvalidParameter) as raised:
        await _add(rt, account, conv, **fields)
    assert (raised.value.status, raised.value.code) == (400, code)


async def test_role_must_be_a_conversation_role(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account)
    async with rt.store.read() as tx:
        service_role = await roles.default_role_sid(tx, account.default_service_sid, "service user")
        admin = await roles.default_role_sid(tx, account.default_service_sid, "channel admin")
    assert service_role and admin
    with pytest.raises(InvalidParameter) as raised:
        await _add(rt, account, conv, identity="a", role_sid=service_role)
    assert raised.value.code == 50109
    assert (await _add(rt, account, conv, identity="a", role_sid=admin))["role_sid"] == admin


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"identity": "mallory"}, 50444),
        ({"messaging_binding_proxy_address": "+1"}, 50441),
        ({"last_read_message_index": "-1"}, 20001),
        ({"last_read_timestamp": "soon"}, 20001),
    ],
)
async def test_bad_updates_are_rejected(
    rt: Runtime, account: Account, fields: dict[str, str], code: int
) -> None:
    conv = await _conv(rt, account)
    member = await _add(rt, account, conv, identity="alice")
    ids = (account.sid, account.default_service_sid, conv["sid"], member["sid"])
    with pytest.raises(InvalidParameter) as raised:
        await participants.update(rt, API, *ids, fields)
    assert raised.value.code == code


async def test_a_conversation_holds_at_most_100_chat_and_50_sms_participants(
    rt: Runtime, account: Account
) -> None:
    conv = await _conv(rt, account)
    for n in range(100):
        await _add(rt, account, conv, identity=f"user{n}")
    with pytest.raises(InvalidParameter) as full:
        await _add(rt, account, conv, identity="one-too-many")
    assert full.value.code == 50417
    for n in range(50):
        await _add(rt, account, conv, **{"messaging_binding_address": f"+1555000{n:04d}"})
    with pytest.raises(InvalidParameter) as full:
        await _add(rt, account, conv, **{"messaging_binding_address": "+15559999999"})
    assert full.value.code == 50422
