from __future__ import annotations

import pytest

from hookline.domain import roles
from hookline.domain.accounts import Account
from hookline.domain.roles import RoleFields
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import InvalidParameter, NotFound

API = Actor()


async def test_create_fetch_update_delete(rt: Runtime, account: Account) -> None:
    ids = (account.sid, account.default_service_sid)
    permissions = ["sendMessage", "deleteAnyMessage", "sendMessage"]
    role = await roles.create(rt, API, *ids, RoleFields("moderator", "conversation", permissions))
    assert role["sid"].startswith("RL") and role["type"] == "conversation"
    assert role["permissions"] == ["sendMessage", "deleteAnyMessage"]
    updated = await roles.update(
        rt, API, *ids, role["sid"], RoleFields(permission=["leaveConversation"])
    )
    assert updated["permissions"] == ["leaveConversation"]
    async with rt.store.read() as tx:
        assert (await roles.find(tx, *ids, role["sid"]))["permissions"] == ["leaveConversation"]
    await roles.delete(rt, API, *ids, role["sid"])
    async with rt.store.read() as tx:
        with pytest.raises(NotFound):
            await roles.find(tx, *ids, role["sid"])


async def test_every_service_has_the_four_defaults(rt: Runtime, account: Account) -> None:
    async with rt.store.read() as tx:
        found = await tx.find("role", chat_service_sid=account.default_service_sid)
    assert sorted((r["friendly_name"], r["type"]) for r in found) == [
        ("channel admin", "conversation"),
        ("channel user", "conversation"),
        ("service admin", "service"),
        ("service user", "service"),
    ]


async def test_default_roles_can_be_updated_but_not_deleted(rt: Runtime, account: Account) -> None:
    ids = (account.sid, account.default_service_sid)
    async with rt.store.read() as tx:
        sid = await roles.default_role_sid(tx, account.default_service_sid, "channel user")
    assert sid is not None
    assert (await roles.update(rt, API, *ids, sid, RoleFields(permission=["sendMessage"])))[
        "permissions"
    ] == ["sendMessage"]
    with pytest.raises(InvalidParameter, match="cannot be deleted"):
        await roles.delete(rt, API, *ids, sid)


@pytest.mark.parametrize(
    ("name", "kind", "permissions"),
    [
        (None, "service", ["createConversation"]),
        ("x" * 65, "service", ["createConversation"]),
        ("r", "channel", ["sendMessage"]),
        ("r", None, ["sendMessage"]),
        ("r", "service", None),
        ("r", "service", ["sendMessage"]),
        ("r", "conversation", ["sendMesage"]),
        ("service admin", "service", ["createConversation"]),
    ],
)
async def test_bad_roles_are_rejected(
    rt: Runtime, account: Account, name: str | None, kind: str | None, permissions: list[str]
) -> None:
    with pytest.raises(InvalidParameter):
        ids = (account.sid, account.default_service_sid)
        await roles.create(rt, API, *ids, RoleFields(name, kind, permissions))


async def test_unknown_role_or_service(rt: Runtime, account: Account) -> None:
    ids = (account.sid, account.default_service_sid)
    for sid in ("RL" + "0" * 32, "nope"):
        with pytest.raises(NotFound):
            await roles.update(rt, API, *ids, sid, RoleFields(permission=["sendMessage"]))
    with pytest.raises(InvalidParameter):
        role = await roles.create(rt, API, *ids, RoleFields("r", "service", ["createConversation"]))
        await roles.update(rt, API, *ids, role["sid"], RoleFields(permission=[]))
    with pytest.raises(NotFound):
        fields = RoleFields("r", "service", ["joinConversation"])
        await roles.create(rt, API, account.sid, "IS" + "0" * 32, fields)
