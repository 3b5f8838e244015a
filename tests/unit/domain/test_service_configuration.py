from __future__ import annotations

import pytest

from hookline.domain import notifications, participants, roles, service_configuration, users
from hookline.domain.accounts import Account
from hookline.domain.roles import RoleFields
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import InvalidParameter

API = Actor()


async def _role(rt: Runtime, account: Account, name: str, kind: str) -> str:
    permission = "sendMessage" if kind == "conversation" else "joinConversation"
    ids = (account.sid, account.default_service_sid)
    role = await roles.create(rt, API, *ids, RoleFields(name, kind, [permission]))
    return str(role["sid"])


async def test_configured_roles_apply_until_they_are_deleted(rt: Runtime, account: Account) -> None:
    ids = (account.sid, account.default_service_sid)
    member = await _role(rt, account, "member", "conversation")
    customer = await _role(rt, account, "customer", "service")
    fields = {"default_conversation_role_sid": member, "default_chat_service_role_sid": customer}
    record = await service_configuration.update(rt, API, *ids, fields)
    assert (record["default_conversation_role_sid"], record["reachability_enabled"]) == (
        member, False,
    )  # fmt: skip
    assert (await users.create(rt, API, *ids, {"identity": "u1"}))["role_sid"] == customer
    conv = await participants_conversation(rt, account)
    added = await participants.create(rt, API, *ids, conv, {"identity": "p1"})
    assert added["role_sid"] == member

    await roles.delete(rt, API, *ids, member)
    built_in = (await service_configuration.get(rt, *ids))["default_conversation_role_sid"]
    assert built_in != member
    async with rt.store.read() as tx:
        assert built_in == await roles.default_role_sid(tx, ids[1], "channel user")
    added = await participants.create(rt, API, *ids, conv, {"identity": "p2"})
    assert added["role_sid"] == built_in


async def participants_conversation(rt: Runtime, account: Account) -> str:
    from hookline.domain import conversations

    conv = await conversations.create(rt, API, account.sid, account.default_service_sid, {})
    return str(conv["sid"])


@pytest.mark.parametrize(
    ("field", "kind", "code"),
    [
        ("default_conversation_role_sid", "service", 50105),
        ("default_conversation_creator_role_sid", "service", 50105),
        ("default_chat_service_role_sid", "conversation", 50105),
        ("default_conversation_role_sid", None, 50100),
    ],
)
async def test_wrong_roles_are_refused(
    rt: Runtime, account: Account, field: str, kind: str | None, code: int
) -> None:
    ids = (account.sid, account.default_service_sid)
    sid = await _role(rt, account, "wrong", kind) if kind else "RL" + "9" * 32
    with pytest.raises(InvalidParameter) as caught:
        await service_configuration.update(rt, API, *ids, {field: sid})
    assert caught.value.code == code
    async with rt.store.read() as tx:
        assert await service_configuration.stored_in(tx, ids[1]) is None


async def test_notifications_merge_and_keep_roles(rt: Runtime, account: Account) -> None:
    ids = (account.sid, account.default_service_sid)
    await service_configuration.update(rt, API, *ids, {"reachability_enabled": "true"})
    record = await notifications.update(
        rt, API, *ids, {"NewMessage.Enabled": "TRUE", "NewMessage.WithMedia.Template": "t"}
    )
    assert record["new_message"]["enabled"] is True
    assert record["new_message"]["with_media"] == {"enabled": False, "template": "t"}
    record = await notifications.update(rt, API, *ids, {"LogEnabled": "true"})
    assert record["new_message"]["enabled"] is True and record["log_enabled"] is True
    assert (await service_configuration.get(rt, *ids))["reachability_enabled"] is True
    with pytest.raises(InvalidParameter):
        await notifications.update(rt, API, *ids, {"LogEnabled": "yes"})
    with pytest.raises(InvalidParameter):
        await notifications.update(rt, API, *ids, {"NewMessage.Template": "x" * 1025})
