"""Every permission of Twilio's default roles, and how an SDK user's roles combine."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hookline.domain import conversations, messages, participants, permissions, roles, users
from hookline.domain.accounts import Account
from hookline.domain.permissions import Needs
from hookline.domain.roles import RoleFields
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import Forbidden

ALICE = Actor(source="SDK", client_identity="alice", webhooks=True)
OWN = {"author": "alice"}
OTHERS = {"author": "bob"}
ROLES = {name: permissions_ for name, _, permissions_ in roles.DEFAULT_ROLES}
SA, SU, CA, CU = "service admin", "service user", "channel admin", "channel user"

#: Each action, and which default role on its own allows it.
CASES: list[tuple[str, Callable[[], Needs], set[str]]] = [
    ("post text", lambda: permissions.post_message({"body": "x"}), {CA, CU}),
    ("post media", lambda: permissions.post_message({"media_sid": "ME1"}), {CA, CU}),
    ("edit own body", lambda: permissions.edit_message(ALICE, OWN, {"body": "x"}), {SA, CA, CU}),
    ("edit any body", lambda: permissions.edit_message(ALICE, OTHERS, {"body": "x"}), {SA, CA}),
    (
        "edit own attributes",
        lambda: permissions.edit_message(ALICE, OWN, {"attributes": "{}"}),
        {SA, CA, CU},
    ),
    (
        "edit any attributes",
        lambda: permissions.edit_message(ALICE, OTHERS, {"attributes": "{}"}),
        {SA, CA},
    ),
    ("delete own", lambda: permissions.delete_message(ALICE, OWN), {SA, CA, CU}),
    ("delete any", lambda: permissions.delete_message(ALICE, OTHERS), {SA, CA}),
    ("rename", lambda: permissions.update_conversation({"friendly_name": "n"}), {SA, CA}),
    ("attributes", lambda: permissions.update_conversation({"attributes": "{}"}), {SA, CA}),
    ("state", lambda: permissions.update_conversation({"state": "closed"}), {SA, CA}),
    ("delete conversation", permissions.delete_conversation, {SA}),
    ("join", lambda: permissions.add_participant(ALICE, {"identity": "alice"}), {SA, SU, CA}),
    ("add another", lambda: permissions.add_participant(ALICE, {"identity": "bob"}), {SA, CA}),
    (
        "leave",
        lambda: permissions.remove_participant(ALICE, {"identity": "alice"}),
        {SA, CA, CU},
    ),
    (
        "remove another",
        lambda: permissions.remove_participant(ALICE, {"identity": "bob"}),
        {SA, CA},
    ),
]


@pytest.mark.parametrize(("action", "needs", "allowed_by"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("role", [SA, SU, CA, CU])
def test_each_default_role(
    action: str, needs: Callable[[], Needs], allowed_by: set[str], role: str
) -> None:
    assert (not permissions.missing(needs(), ROLES[role])) == (role in allowed_by)


def test_every_default_permission_is_checked_by_some_action() -> None:
    named = {name for _, needs, _ in CASES for need in needs() for name in need}
    conversation_actions = set(roles.PERMISSIONS["conversation"])
    assert conversation_actions <= named
    # The service-only ones concern users and creation, not a conversation's actions.
    assert roles.PERMISSIONS["service"] - named == {
        "createConversation", "editAnyUserInfo", "editOwnUserInfo",
    }  # fmt: skip


def test_body_and_attributes_need_both() -> None:
    needs = permissions.edit_message(ALICE, OWN, {"body": "x", "attributes": "{}"})
    assert permissions.missing(needs, ["editOwnMessage"]) == [
        ("editOwnMessageAttributes", "editAnyMessageAttributes")
    ]


async def _conversation(rt: Runtime, account: Account) -> str:
    conv = await conversations.create(rt, Actor(), account.sid, account.default_service_sid, {})
    return str(conv["sid"])


async def test_roles_combine_and_only_sdk_is_bound(rt: Runtime, account: Account) -> None:
    ids = (account.sid, account.default_service_sid)
    conv = await _conversation(rt, account)
    with pytest.raises(Forbidden) as denied:
        await messages.create(rt, ALICE, *ids, conv, {"body": "not a participant"})
    assert (denied.value.status, denied.value.code) == (403, 50107)
    assert "sendMessage" in denied.value.message
    assert rt.sink.events == []  # type: ignore[attr-defined]
    for actor in (Actor(), Actor(source="SMS", client_identity="+15550001111", webhooks=True)):
        await messages.create(rt, actor, *ids, conv, {"body": "not bound"})

    await participants.create(rt, Actor(), *ids, conv, {"identity": "alice"})
    posted = await messages.create(rt, ALICE, *ids, conv, {"body": "member now"})
    bobs = await messages.create(rt, Actor(), *ids, conv, {"body": "b", "author": "bob"})
    with pytest.raises(Forbidden):
        await messages.delete(rt, ALICE, *ids, conv, bobs["sid"])
    await messages.delete(rt, ALICE, *ids, conv, posted["sid"])

    # A custom service role adds to the conversation role.
    moderator = await roles.create(
        rt, Actor(), *ids, RoleFields("moderator", "service", ["deleteAnyMessage"])
    )
    await users.update(rt, Actor(), *ids, "alice", {"role_sid": moderator["sid"]})
    await messages.delete(rt, ALICE, *ids, conv, bobs["sid"])
    with pytest.raises(Forbidden):
        await conversations.update(rt, ALICE, *ids, conv, {"friendly_name": "mine"})


async def test_a_user_not_yet_created_has_the_service_user_role(
    rt: Runtime, account: Account
) -> None:
    ids = (account.sid, account.default_service_sid)
    conv = await _conversation(rt, account)
    joined = await participants.create(rt, ALICE, *ids, conv, {"identity": "alice"})
    with pytest.raises(Forbidden):
        await participants.create(rt, ALICE, *ids, conv, {"identity": "bob"})
    await participants.remove(rt, ALICE, joined)
