"""A participant seen together with its conversation and user: the data behind
UserConversations and ParticipantConversations (both derived, nothing stored of their own).

``unread_messages_count`` is the newest message index minus the participant's
``last_read_message_index`` (``null`` until a read horizon is set), as Twilio's
index-based read horizon implies.
"""

from __future__ import annotations

from dataclasses import dataclass

from hookline.domain import conversations, participants, services, users
from hookline.domain.paging import Page, PageRequest, read_page
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import InvalidParameter, NotFound
from hookline.store import Tx
from hookline.types import Record


@dataclass(frozen=True)
class Membership:
    participant: Record
    conversation: Record
    user_sid: str | None
    unread_messages_count: int | None


async def unread(tx: Tx, participant: Record) -> int | None:
    last_read = participant.get("last_read_message_index")
    if last_read is None:
        return None
    where = {"conversation_sid": participant["conversation_sid"]}
    newest = await tx.page("message", where, 0, 1, descending=True)
    return max(0, int(newest[0][1]["index"]) - int(last_read)) if newest else 0


async def _of(tx: Tx, participant: Record, conv: Record | None = None) -> Membership | None:
    conv = conv or await tx.get("conversation", sid=participant["conversation_sid"])
    if conv is None:
        return None
    user = None
    if participant.get("identity"):
        where = {"chat_service_sid": participant["chat_service_sid"]}
        user = await tx.get("user", identity=participant["identity"], **where)
    user_sid = user["sid"] if user else None
    return Membership(participant, conv, user_sid, await unread(tx, participant))


async def of_user(
    rt: Runtime, account_sid: str, service_sid: str, user_ref: str, conv_ref: str
) -> Membership:
    """The user's participation in one conversation (both by SID or by name); 404 if none."""
    async with rt.store.read() as tx:
        user = await users.find(tx, account_sid, service_sid, user_ref)
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        where = {"conversation_sid": conv["sid"], "identity": user["identity"]}
        participant = await tx.get("participant", **where)
        membership = await _of(tx, participant, conv) if participant else None
    if membership is None:
        raise NotFound(
            f"The requested resource /Users/{user_ref}/Conversations/{conv_ref} was not found"
        )
    return membership


async def update_of_user(
    rt: Runtime,
    actor: Actor,
    account_sid: str,
    service_sid: str,
    user_ref: str,
    conv_ref: str,
    fields: dict[str, str],
) -> Membership:
    """NotificationLevel and the read horizon, through the participant's own update."""
    membership = await of_user(rt, account_sid, service_sid, user_ref, conv_ref)
    await participants.update_found(rt, actor, membership.participant, fields)
    return await of_user(rt, account_sid, service_sid, user_ref, conv_ref)


async def leave(
    rt: Runtime, actor: Actor, account_sid: str, service_sid: str, user_ref: str, conv_ref: str
) -> None:
    """Deleting a UserConversation removes the user's participant from the conversation."""
    membership = await of_user(rt, account_sid, service_sid, user_ref, conv_ref)
    await participants.remove(rt, actor, membership.participant)


async def _page(
    rt: Runtime, where: dict[str, str | None], request: PageRequest
) -> Page[Membership]:
    """A page of participants (``where``), each joined with its conversation and user."""
    async with rt.store.read() as tx:
        page = await read_page(tx, "participant", where, request)
        joined = [await _of(tx, participant) for participant in page.records]
    found = [membership for membership in joined if membership is not None]
    return Page(found, page.positions, page.more)


async def of_user_listing(
    rt: Runtime,
    account_sid: str,
    service_sid: str,
    user_ref: str,
    _filters: dict[str, str],
    request: PageRequest,
) -> Page[Membership]:
    """``/Users/{US}/Conversations``: the user's participations."""
    async with rt.store.read() as tx:
        user = await users.find(tx, account_sid, service_sid, user_ref)
    return await _page(rt, {"chat_service_sid": service_sid, "identity": user["identity"]}, request)


async def of_participant_listing(
    rt: Runtime, account_sid: str, service_sid: str, filters: dict[str, str], request: PageRequest
) -> Page[Membership]:
    """``/ParticipantConversations?Identity=…|Address=…``."""
    identity, address = filters.get("identity"), filters.get("address")
    if bool(identity) == bool(address):
        raise InvalidParameter("Give exactly one of Identity or Address")
    await services.get(rt, account_sid, service_sid)
    where: dict[str, str | None] = {"account_sid": account_sid, "chat_service_sid": service_sid}
    where |= {"identity": identity} if identity else {"address": address}
    return await _page(rt, where, request)
