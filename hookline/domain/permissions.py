"""What a Conversations SDK user may do: the union of its service role's permissions
(the User's role; the service's ``service user`` role when it has no User yet) and, when it
is a participant, its conversation role's. SMS/WhatsApp users and REST (``API``) calls are
not bound by roles.

Each action names what it needs as a list of requirements, each met by any one of its
permissions (``editOwnMessage`` or ``editAnyMessage`` for one's own message). A denied
action is 403 / 50107 before any pre-event, so nothing fires.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hookline.domain import service_configuration
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import Forbidden
from hookline.store import Tx
from hookline.types import Record

#: Each requirement is met by any one of its permissions.
Needs = list[tuple[str, ...]]


def bound(actor: Actor) -> bool:
    return actor.source == "SDK" and actor.client_identity is not None


def _own(actor: Actor, author: str | None) -> bool:
    return author is not None and author == actor.client_identity


def post_message(fields: Mapping[str, str]) -> Needs:
    needs: Needs = []
    if fields.get("body") or fields.get("content_sid") or not fields.get("media_sid"):
        needs.append(("sendMessage",))
    if fields.get("media_sid"):
        needs.append(("sendMediaMessage",))
    return needs


def edit_message(actor: Actor, message: Record, fields: Mapping[str, str]) -> Needs:
    own = _own(actor, message.get("author"))
    needs: Needs = []
    if "body" in fields or "subject" in fields:
        needs.append(("editOwnMessage", "editAnyMessage") if own else ("editAnyMessage",))
    if "attributes" in fields:
        needs.append(
            ("editOwnMessageAttributes", "editAnyMessageAttributes")
            if own
            else ("editAnyMessageAttributes",)
        )
    return needs


def delete_message(actor: Actor, message: Record) -> Needs:
    own = _own(actor, message.get("author"))
    return [("deleteOwnMessage", "deleteAnyMessage") if own else ("deleteAnyMessage",)]


def update_conversation(fields: Mapping[str, str]) -> Needs:
    needs: Needs = []
    if "friendly_name" in fields or "unique_name" in fields:
        needs.append(("editConversationName",))
    if "attributes" in fields or "state" in fields:
        needs.append(("editConversationAttributes",))
    return needs


def delete_conversation() -> Needs:
    return [("deleteConversation",)]


def add_participant(actor: Actor, fields: Mapping[str, str]) -> Needs:
    joining = fields.get("identity") == actor.client_identity
    return [("joinConversation", "addMember") if joining else ("addMember",)]


def remove_participant(actor: Actor, participant: Record) -> Needs:
    leaving = participant.get("identity") == actor.client_identity
    return [("leaveConversation", "removeMember") if leaving else ("removeMember",)]


def missing(needs: Needs, granted: Iterable[str]) -> list[tuple[str, ...]]:
    """The requirements ``granted`` does not meet (empty: allowed)."""
    have = set(granted)
    return [need for need in needs if not have.intersection(need)]


async def _role_permissions(tx: Tx, service_sid: str, role_sid: str | None) -> list[str]:
    if not role_sid:
        return []
    role = await tx.get("role", sid=role_sid, chat_service_sid=service_sid)
    return list(role["permissions"]) if role else []


async def granted(
    tx: Tx, service_sid: str, conversation_sid: str | None, identity: str
) -> set[str]:
    """Every permission ``identity`` holds in the service and, if a participant, there."""
    user = await tx.get("user", chat_service_sid=service_sid, identity=identity)
    if user is not None:
        service_role = user.get("role_sid")
    else:
        service_role = await service_configuration.default_role_sid(tx, service_sid, "service user")
    have = set(await _role_permissions(tx, service_sid, service_role))
    if conversation_sid is not None:
        member = await tx.get("participant", conversation_sid=conversation_sid, identity=identity)
        if member is not None:
            have |= set(await _role_permissions(tx, service_sid, member.get("role_sid")))
    return have


async def enforce(
    tx: Tx, actor: Actor, service_sid: str, conversation_sid: str | None, needs: Needs
) -> None:
    """Raise 403 / 50107 unless an SDK ``actor`` holds what ``needs`` asks."""
    if not bound(actor) or not needs:
        return
    identity = str(actor.client_identity)
    lacking = missing(needs, await granted(tx, service_sid, conversation_sid, identity))
    if lacking:
        names = " and ".join(" or ".join(need) for need in lacking)
        raise Forbidden(f"User not authorized for command: {identity} lacks {names}")


async def enforce_now(
    rt: Runtime, actor: Actor, service_sid: str, conversation_sid: str | None, needs: Needs
) -> None:
    """:func:`enforce` in a read transaction of its own (nothing is read for REST)."""
    if bound(actor) and needs:
        async with rt.store.read() as tx:
            await enforce(tx, actor, service_sid, conversation_sid, needs)
