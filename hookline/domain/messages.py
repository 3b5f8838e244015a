"""Messages: gap-free per-conversation indexes, pre-event gate, post-event in the same tx."""

from __future__ import annotations

import json
from dataclasses import replace

from hookline.domain import conversations, emit, permissions
from hookline.domain.emit import Scope
from hookline.domain.paging import Page, PageRequest, read_page
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import attributes, one_of, sid_param, timestamp
from hookline.exceptions import InvalidParameter, NotFound
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record

MAX_BODY = 1600
#: The fields a create or update copies onto the message as they are.
CHANGEABLE = ("body", "author", "attributes")


def media_param(message: Record) -> str | None:
    media = message.get("media")
    if not media:
        return None
    return json.dumps(
        [
            {
                "Sid": item["sid"],
                "Filename": item.get("filename"),
                "ContentType": item.get("content_type"),
                "Size": item.get("size", 0),
            }
            for item in media
        ]
    )


def event_params(message: Record, conv: Record, name: str) -> dict[str, str | None]:
    """Parameters of every message event (docs/webhook-events.md §1.5/§1.6), by event name."""
    params: dict[str, str | None] = {
        "ConversationSid": conv["sid"],
        "ChatServiceSid": conv["chat_service_sid"],
        "MessagingServiceSid": conv["messaging_service_sid"],
        "Body": message.get("body"),
        "Author": message.get("author"),
        "ParticipantSid": message.get("participant_sid"),
        "Attributes": message.get("attributes", "{}"),
        "Media": media_param(message),
    }
    if name != "onMessageAdd":
        params["MessageSid"] = message["sid"]
        params["Index"] = str(message["index"])
        params["DateCreated"] = message["date_created"]
    if name not in ("onMessageAdd", "onMessageAdded"):
        params["DateUpdated"] = message["date_updated"]
    return params


def _check(fields: dict[str, str]) -> None:
    attributes(fields.get("attributes"))
    body = fields.get("body")
    if body is not None and len(body) > MAX_BODY:
        raise InvalidParameter(f"Body must be at most {MAX_BODY} characters", code=50012)
    for name in ("date_created", "date_updated"):
        timestamp(fields, name, None)
    sid_param(fields.get("media_sid"), "ME", "MediaSid")
    sid_param(fields.get("content_sid"), "HX", "ContentSid")


async def _author_participant(tx: Tx, conv_sid: str, author: str) -> str | None:
    found = await tx.participant_by_author(conv_sid, author)
    return str(found["sid"]) if found else None


async def create(
    rt: Runtime,
    actor: Actor,
    account_sid: str,
    service_sid: str,
    conv_ref: str,
    fields: dict[str, str],
) -> Record:
    _check(fields)
    if not fields.get("body") and not fields.get("media_sid") and not fields.get("content_sid"):
        raise InvalidParameter("A message needs Body, MediaSid or ContentSid", code=50011)
    fields = {"author": actor.client_identity or "system"} | fields
    # Without a pre-event gate, the lookups and the writes are one transaction; with one,
    # the gate (a network call) runs between a read and the write, outside both.
    async with emit.action(rt) as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        needs = permissions.post_message(fields)
        await permissions.enforce(tx, actor, service_sid, conv["sid"], needs)
        participant_sid = await _author_participant(tx, conv["sid"], fields["author"])
        scope = Scope(account_sid, service_sid, conv["sid"])
        draft = _apply({"participant_sid": participant_sid, "media": media_of(fields)}, fields)
        if not await emit.gated(rt, tx, actor, "onMessageAdd", scope):
            return await _insert(rt, tx, actor, scope, conv, draft, fields)
    fields = fields | await emit.pre(
        rt, actor, "onMessageAdd", scope, event_params(draft, conv, "onMessageAdd")
    )
    _check(fields)
    async with emit.action(rt) as tx:
        return await _insert(rt, tx, actor, scope, conv, draft, fields)


async def _insert(
    rt: Runtime,
    tx: Tx,
    actor: Actor,
    scope: Scope,
    conv: Record,
    draft: Record,
    fields: dict[str, str],
) -> Record:
    """Write the message with the next index of its conversation, and its post-event."""
    index = await tx.next_message_index(conv["sid"])
    created = timestamp(fields, "date_created", rt.now_iso())
    message = _apply(draft, fields) | {
        "sid": rt.sids.new("IM"),
        "account_sid": scope.account_sid,
        "chat_service_sid": scope.chat_service_sid,
        "conversation_sid": conv["sid"],
        "index": index,
        "date_created": created,
        "date_updated": created,
        "delivery": None,
        "content_sid": fields.get("content_sid"),
    }
    await tx.insert("message", message)
    params = event_params(message, conv, "onMessageAdded")
    await emit.post(rt, tx, actor, "onMessageAdded", scope, params)
    return message


def media_of(fields: dict[str, str]) -> list[Record] | None:
    media_sid = fields.get("media_sid")
    if not media_sid:
        return None
    # hookline stores no media; it reports the SID it was given.
    return [
        {"sid": media_sid, "size": 0, "content_type": None, "filename": None, "category": "media"}
    ]


def _apply(message: Record, fields: dict[str, str]) -> Record:
    updated = {"attributes": "{}"} | message
    return updated | {key: value for key, value in fields.items() if key in CHANGEABLE}


async def find(tx: Tx, conv: Record, sid: str) -> Record:
    message = None
    if is_sid(sid, "IM"):
        message = await tx.get("message", sid=sid, conversation_sid=conv["sid"])
    if message is None:
        raise NotFound(
            f"The requested resource /Conversations/{conv['sid']}/Messages/{sid} was not found"
        )
    return message


async def update(
    rt: Runtime,
    actor: Actor,
    account_sid: str,
    service_sid: str,
    conv_ref: str,
    sid: str,
    fields: dict[str, str],
) -> Record:
    _check(fields)
    async with rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        message = await find(tx, conv, sid)
        needs = permissions.edit_message(actor, message, fields)
        await permissions.enforce(tx, actor, service_sid, conv["sid"], needs)
    scope = Scope(account_sid, service_sid, conv["sid"])
    proposed = _apply(message, fields)
    fields = fields | await emit.pre(
        rt, actor, "onMessageUpdate", scope, event_params(proposed, conv, "onMessageUpdate")
    )
    _check(fields)
    updated = _apply(message, fields)
    updated["date_updated"] = timestamp(fields, "date_updated", rt.now_iso())
    updated["date_created"] = timestamp(fields, "date_created", updated["date_created"])
    async with emit.action(rt) as tx:
        await tx.update("message", updated)
        params = event_params(updated, conv, "onMessageUpdated")
        await emit.post(rt, tx, actor, "onMessageUpdated", scope, params)
    async with rt.store.read() as tx:
        return (await with_delivery(tx, [updated]))[0]


async def delete(
    rt: Runtime, actor: Actor, account_sid: str, service_sid: str, conv_ref: str, sid: str
) -> None:
    async with rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        message = await find(tx, conv, sid)
        needs = permissions.delete_message(actor, message)
        await permissions.enforce(tx, actor, service_sid, conv["sid"], needs)
    scope = Scope(account_sid, service_sid, conv["sid"])
    params = event_params(message, conv, "onMessageRemove")
    await emit.pre(rt, actor, "onMessageRemove", scope, params)
    async with emit.action(rt) as tx:
        await tx.delete("receipt", message_sid=message["sid"])
        await tx.delete("message", sid=message["sid"])
        params = event_params(message, conv, "onMessageRemoved") | {"DateRemoved": rt.now_iso()}
        await emit.post(rt, tx, actor, "onMessageRemoved", scope, params)


async def with_delivery(tx: Tx, found: list[Record]) -> list[Record]:
    """Each message with its ``delivery`` summary, aggregated from its receipts."""
    # Imported here: receipts builds on messages.
    from hookline.domain.receipts import summaries

    summary = await summaries(tx, [message["sid"] for message in found])
    return [message | {"delivery": summary[message["sid"]]} for message in found]


async def get(rt: Runtime, account_sid: str, service_sid: str, conv_ref: str, sid: str) -> Record:
    async with rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        return (await with_delivery(tx, [await find(tx, conv, sid)]))[0]


async def listing(
    rt: Runtime,
    account_sid: str,
    service_sid: str,
    conv_ref: str,
    filters: dict[str, str],
    request: PageRequest,
) -> Page[Record]:
    """The conversation's messages in index order (``Order=desc``: newest first)."""
    order = one_of(filters.get("order") or "asc", "Order", ("asc", "desc"))
    async with rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        where = {"conversation_sid": conv["sid"]}
        page = await read_page(tx, "message", where, replace(request, descending=order == "desc"))
        return replace(page, records=await with_delivery(tx, page.records))
