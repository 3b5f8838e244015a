"""Conversations: create, update, delete, look up by SID or UniqueName."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from hookline.domain import configuration, emit, permissions, services
from hookline.domain.configuration import Defaults
from hookline.domain.configuration import (
    default_messaging_service_sid as default_messaging_service_sid,  # the tests' import
)
from hookline.domain.emit import Scope
from hookline.domain.paging import Page, PageRequest, page_of, read_page
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.timers import apply_timers
from hookline.domain.validation import attributes, one_of, sid_param, timestamp
from hookline.exceptions import Conflict, Duplicate, InvalidParameter, NotFound
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record

STATES = ("active", "inactive", "closed")
#: The fields an update copies onto the conversation as they are.
CHANGEABLE = ("friendly_name", "unique_name", "attributes", "messaging_service_sid", "state")
CASCADE = ("scoped_webhook", "receipt", "message", "participant")


async def find(tx: Tx, account_sid: str, service_sid: str, ref: str) -> Record:
    """A conversation by SID or UniqueName within one service; 404 otherwise."""
    where: dict[str, Any] = {"account_sid": account_sid, "chat_service_sid": service_sid}
    if is_sid(ref, "CH"):
        found = await tx.get("conversation", sid=ref, **where)
    else:
        found = await tx.get("conversation", unique_name=ref, **where)
    if found is None:
        raise NotFound(f"The requested resource /Conversations/{ref} was not found")
    return found


def event_params(conv: Record) -> dict[str, str | None]:
    return {
        "ConversationSid": conv["sid"],
        "DateCreated": conv["date_created"],
        "DateUpdated": conv["date_updated"],
        "FriendlyName": conv.get("friendly_name"),
        "UniqueName": conv.get("unique_name"),
        "Attributes": conv["attributes"],
        "ChatServiceSid": conv["chat_service_sid"],
        "MessagingServiceSid": conv["messaging_service_sid"],
        "State": conv["state"],
    }


def state_params(conv: Record, old: str, reason: str, when: str) -> dict[str, str | None]:
    return {
        "ChatServiceSid": conv["chat_service_sid"],
        "StateUpdated": when,
        "StateFrom": old,
        "StateTo": conv["state"],
        "ConversationSid": conv["sid"],
        "Reason": reason,
        "MessagingServiceSid": conv["messaging_service_sid"],
    }


def _check(fields: dict[str, str]) -> None:
    name = fields.get("friendly_name")
    if name is not None and len(name) > 256:
        raise InvalidParameter("FriendlyName must be at most 256 characters")
    attributes(fields.get("attributes"))
    sid_param(fields.get("messaging_service_sid"), "MG", "MessagingServiceSid")
    if "state" in fields:
        one_of(fields["state"], "State", STATES)
    for name in ("date_created", "date_updated"):
        timestamp(fields, name, None)
    unique = fields.get("unique_name")
    if unique is not None and is_sid(unique, "CH"):
        raise InvalidParameter("UniqueName must not look like a Conversation SID")


async def prepare(
    rt: Runtime,
    actor: Actor,
    account_sid: str,
    service_sid: str,
    fields: dict[str, str],
    pre_extra: dict[str, str | None] | None = None,
) -> tuple[Record, float | None]:
    """Validate, ask ``onConversationAdd``; the record to insert and its timer due time.
    ``pre_extra``: more ``onConversationAdd`` parameters (the creator's binding, the first
    message's body, for a conversation an inbound message creates)."""
    _check(fields)
    async with rt.store.read() as tx:
        await services.get_in(tx, account_sid, service_sid)
        defaults = await configuration.defaults_in(tx, account_sid)
    fields = _with_default_timers(fields, defaults)
    scope = Scope(account_sid, service_sid)
    pre_params: dict[str, str | None] = {
        "FriendlyName": fields.get("friendly_name"),
        "UniqueName": fields.get("unique_name"),
        "Attributes": fields.get("attributes", "{}"),
        "ChatServiceSid": service_sid,
        "MessagingServiceSid": fields.get("messaging_service_sid")
        or defaults.messaging_service_sid,
        "State": fields.get("state", "active"),
    }
    pre_params |= pre_extra or {}
    fields = fields | await emit.pre(rt, actor, "onConversationAdd", scope, pre_params)
    _check(fields)
    now = rt.now_iso()
    created = timestamp(fields, "date_created", now)
    conv: Record = {
        "sid": rt.sids.new("CH"),
        "account_sid": account_sid,
        "chat_service_sid": service_sid,
        "messaging_service_sid": pre_params["MessagingServiceSid"],
        "friendly_name": fields.get("friendly_name"),
        "unique_name": fields.get("unique_name") or None,
        "attributes": fields.get("attributes", "{}"),
        "state": fields.get("state", "active"),
        "date_created": created,
        "date_updated": timestamp(fields, "date_updated", created),
        "timers": {},
        "bindings": None,
    }
    return conv, apply_timers(rt, conv, fields)


def _with_default_timers(fields: dict[str, str], defaults: Defaults) -> dict[str, str]:
    """The account's default timers (``/v1/Configuration``) where the request sets none."""
    given = dict(fields)
    if defaults.inactive_timer and "timers_inactive" not in given:
        given["timers_inactive"] = defaults.inactive_timer
    if defaults.closed_timer and "timers_closed" not in given:
        given["timers_closed"] = defaults.closed_timer
    return given


async def insert_in(rt: Runtime, tx: Tx, actor: Actor, conv: Record, due: float | None) -> None:
    """Insert a prepared conversation and emit ``onConversationAdded`` inside ``tx``."""
    await tx.insert("conversation", conv, timer_due_at=due)
    scope = Scope(conv["account_sid"], conv["chat_service_sid"], conv["sid"])
    await emit.post(rt, tx, actor, "onConversationAdded", scope, event_params(conv))


def unique_name_taken(conv: Record) -> Conflict:
    return Conflict(
        f"Conversation with unique name {conv['unique_name']} already exists", code=50353
    )


async def create(
    rt: Runtime, actor: Actor, account_sid: str, service_sid: str, fields: dict[str, str]
) -> Record:
    conv, due = await prepare(rt, actor, account_sid, service_sid, fields)
    try:
        async with emit.action(rt) as tx:
            await insert_in(rt, tx, actor, conv, due)
    except Duplicate:
        raise unique_name_taken(conv) from None
    return conv


async def update(
    rt: Runtime,
    actor: Actor,
    account_sid: str,
    service_sid: str,
    ref: str,
    fields: dict[str, str],
) -> Record:
    _check(fields)
    async with rt.store.read() as tx:
        conv = await find(tx, account_sid, service_sid, ref)
        needs = permissions.update_conversation(fields)
        await permissions.enforce(tx, actor, service_sid, conv["sid"], needs)
    scope = Scope(account_sid, service_sid, conv["sid"])
    proposed = conv | _changes(fields)
    fields = fields | await emit.pre(
        rt, actor, "onConversationUpdate", scope, event_params(proposed)
    )
    _check(fields)
    old_state = conv["state"]
    updated = conv | _changes(fields)
    updated["date_updated"] = timestamp(fields, "date_updated", rt.now_iso())
    due = apply_timers(rt, updated, fields)
    try:
        async with emit.action(rt) as tx:
            await tx.update("conversation", updated, timer_due_at=due)
            await emit.post(rt, tx, actor, "onConversationUpdated", scope, event_params(updated))
            if updated["state"] != old_state:
                params = state_params(updated, old_state, "API", updated["date_updated"])
                await emit.post(rt, tx, actor, "onConversationStateUpdated", scope, params)
    except Duplicate:
        raise unique_name_taken(updated) from None
    return updated


def _changes(fields: dict[str, str]) -> Record:
    # MessagingServiceSid sent empty is not given (docs/twilio-behaviour.md): the
    # conversation keeps its service (an empty one would break the resource's schema).
    return {
        key: value
        for key, value in fields.items()
        if key in CHANGEABLE and not (key == "messaging_service_sid" and value == "")
    }


async def delete(rt: Runtime, actor: Actor, account_sid: str, service_sid: str, ref: str) -> None:
    async with rt.store.read() as tx:
        conv = await find(tx, account_sid, service_sid, ref)
        needs = permissions.delete_conversation()
        await permissions.enforce(tx, actor, service_sid, conv["sid"], needs)
    scope = Scope(account_sid, service_sid, conv["sid"])
    await emit.pre(rt, actor, "onConversationRemove", scope, event_params(conv))
    async with emit.action(rt) as tx:
        params = event_params(conv) | {"DateRemoved": rt.now_iso()}
        # Post first: scoped webhooks are routed before the cascade deletes them.
        await emit.post(rt, tx, actor, "onConversationRemoved", scope, params)
        for kind in CASCADE:
            await tx.delete(kind, conversation_sid=conv["sid"])
        await tx.delete("conversation", sid=conv["sid"])


async def get(rt: Runtime, account_sid: str, service_sid: str, ref: str) -> Record:
    async with rt.store.read() as tx:
        return await find(tx, account_sid, service_sid, ref)


async def listing(
    rt: Runtime, account_sid: str, service_sid: str, filters: dict[str, str], request: PageRequest
) -> Page[Record]:
    """The service's conversations, optionally only those in ``State``."""
    where = {"account_sid": account_sid, "chat_service_sid": service_sid}
    if "state" in filters:
        where["state"] = one_of(filters["state"], "State", STATES)
    return await page_of(rt, "conversation", where, request)


def children_listing(kind: str) -> Callable[..., Awaitable[Page[Record]]]:
    """The ``listing`` of a resource that lives in a conversation: its ``kind`` rows in
    the order they were added (participants, scoped webhooks)."""

    async def listing(
        rt: Runtime,
        account_sid: str,
        service_sid: str,
        conv_ref: str,
        _filters: dict[str, str],
        request: PageRequest,
    ) -> Page[Record]:
        async with rt.store.read() as tx:
            conv = await find(tx, account_sid, service_sid, conv_ref)
            return await read_page(tx, kind, {"conversation_sid": conv["sid"]}, request)

    return listing
