"""Event Streams subscriptions (``/v1/Subscriptions``, ``DF…``) and their subscribed events.

A subscription sends the event types it names, each in one schema version, to one sink.
Its types live in the subscription's record (``types``: ``[{"type", "schema_version"}]``,
at most :data:`MAX_TYPES`); ``/SubscribedEvents`` reads and changes that list.

hookline's rules (docs/twilio-behaviour.md, "Event Streams"): ``Types`` entries are JSON
objects ``{"type": …, "schema_version": N}``; ``schema_version`` left out means the type's
latest version; an unknown or discontinued type, an unknown version, a type named twice,
no types, or more than 100 are 400s; the sink must exist (404) and be able to deliver
(400: a kinesis or segment sink, or one not ``active``); a subscription cannot lose its
last type (delete it instead).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hookline.domain import sinks, stream_types
from hookline.domain.paging import Page, PageRequest, page_of, page_of_items
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import sid as check_sid
from hookline.domain.validation import sid_param
from hookline.exceptions import InvalidParameter, LimitExceeded, NotFound
from hookline.store import Tx
from hookline.types import Record

MAX_TYPES = 100
#: Twilio: "Up to 100 Sinks and 100 Subscriptions per account".
MAX_SUBSCRIPTIONS = 100


@dataclass(frozen=True)
class SubscriptionFields:
    description: str | None = None
    sink_sid: str | None = None
    types: tuple[str, ...] = ()


def _version(kind: stream_types.EventType, raw: Any) -> int:
    if raw is None or raw == "":
        return kind.latest_version
    try:
        version = int(raw)
    except (TypeError, ValueError):
        raise InvalidParameter(f"schema_version must be an integer, got {raw!r}") from None
    if version not in kind.versions:
        known = ", ".join(str(v) for v in kind.versions)
        raise InvalidParameter(
            f"Schema version {version} of {kind.type} does not exist (versions: {known})"
        )
    return version


def subscribed_type(type_name: str | None, version: Any) -> dict[str, Any]:
    """``{"type", "schema_version"}`` for a known type and version, else a 400."""
    if not type_name:
        raise InvalidParameter("Missing required parameter Type")
    kind = stream_types.find_type(type_name)
    if kind is None:
        raise InvalidParameter(f"Unknown event type: {type_name!r} (see /v1/Types)")
    if not kind.emitted:
        raise InvalidParameter(f"Event type {kind.type} is {kind.status}: it is not sent")
    return {"type": kind.type, "schema_version": _version(kind, version)}


def parse_types(raw: tuple[str, ...]) -> list[dict[str, Any]]:
    if not raw:
        raise InvalidParameter("Missing required parameter Types in the post body")
    if len(raw) > MAX_TYPES:
        raise InvalidParameter(
            f"A subscription may name at most {MAX_TYPES} event types; {len(raw)} were given"
        )
    parsed: list[dict[str, Any]] = []
    for text in raw:
        try:
            entry = json.loads(text)
        except ValueError:
            entry = text  # a bare type name
        if isinstance(entry, str):
            entry = {"type": entry}
        if not isinstance(entry, dict):
            raise InvalidParameter(
                'Each Types entry must be a JSON object {"type": …, "schema_version": …}'
            )
        found = subscribed_type(entry.get("type"), entry.get("schema_version"))
        if any(item["type"] == found["type"] for item in parsed):
            raise InvalidParameter(f"Event type {found['type']} is named twice")
        parsed.append(found)
    return parsed


def _description(value: str | None) -> str:
    return sinks.description(value)


async def create(
    rt: Runtime, _actor: Actor, account_sid: str, fields: SubscriptionFields
) -> Record:
    text = _description(fields.description)
    sink_sid = sid_param(fields.sink_sid, "DG", "SinkSid")
    if sink_sid is None:
        raise InvalidParameter("Missing required parameter SinkSid in the post body")
    types = parse_types(fields.types)
    now = rt.now_iso()
    subscription = {
        "sid": rt.sids.new("DF"),
        "account_sid": account_sid,
        "sink_sid": sink_sid,
        "description": text,
        "types": types,
        "date_created": now,
        "date_updated": now,
    }
    async with rt.store.transaction() as tx:
        await tx.serialize_on(f"subscriptions:{account_sid}")
        sink = await sinks.get_in(tx, account_sid, sink_sid)
        sinks.require_deliverable(sink)
        if await tx.count("subscription", account_sid=account_sid) >= MAX_SUBSCRIPTIONS:
            raise LimitExceeded(f"An account may have at most {MAX_SUBSCRIPTIONS} subscriptions")
        await tx.insert("subscription", subscription)
    return subscription


async def get_in(tx: Tx, account_sid: str, sid: str, *, lock: bool = False) -> Record:
    check_sid(sid, "DF", what="Subscription")
    read = tx.lock if lock else tx.get
    found = await read("subscription", account_sid=account_sid, sid=sid)
    if found is None:
        raise NotFound(f"The requested resource /Subscriptions/{sid} was not found")
    return found


async def get(rt: Runtime, account_sid: str, sid: str) -> Record:
    async with rt.store.read() as tx:
        return await get_in(tx, account_sid, sid)


async def update(
    rt: Runtime, _actor: Actor, account_sid: str, sid: str, fields: SubscriptionFields
) -> Record:
    async with rt.store.transaction() as tx:
        subscription = await get_in(tx, account_sid, sid, lock=True)
        if fields.description is not None:
            subscription["description"] = _description(fields.description)
        subscription["date_updated"] = rt.now_iso()
        await tx.update("subscription", subscription)
    return subscription


async def delete(rt: Runtime, _actor: Actor, account_sid: str, sid: str) -> None:
    async with rt.store.transaction() as tx:
        await get_in(tx, account_sid, sid, lock=True)
        await tx.delete("subscription", sid=sid)


async def listing(
    rt: Runtime, account_sid: str, filters: dict[str, str], request: PageRequest
) -> Page[Record]:
    where = {"account_sid": account_sid}
    sink_sid = filters.get("sink_sid")
    if sink_sid:
        where["sink_sid"] = sink_sid
    return await page_of(rt, "subscription", where, request)


# --- subscribed events ------------------------------------------------------------------


def _entry(subscription: Record, type_name: str) -> dict[str, Any]:
    for entry in subscription["types"]:
        if entry["type"] == type_name:
            return dict(entry, subscription_sid=subscription["sid"])
    raise NotFound(
        f"The requested resource /Subscriptions/{subscription['sid']}"
        f"/SubscribedEvents/{type_name} was not found"
    )


def _with_owner(subscription: Record, entry: dict[str, Any]) -> dict[str, Any]:
    owner = {"subscription_sid": subscription["sid"], "account_sid": subscription["account_sid"]}
    return entry | owner


async def subscribed_events(
    rt: Runtime, account_sid: str, subscription_sid: str, _filters: dict[str, str],
    request: PageRequest,
) -> Page[Record]:  # fmt: skip
    subscription = await get(rt, account_sid, subscription_sid)
    entries = [_with_owner(subscription, entry) for entry in subscription["types"]]
    return page_of_items(entries, request)


async def subscribed_event(
    rt: Runtime, account_sid: str, subscription_sid: str, type_name: str
) -> Record:
    subscription = await get(rt, account_sid, subscription_sid)
    return _with_owner(subscription, _entry(subscription, type_name))


@dataclass(frozen=True)
class SubscribedEventFields:
    type: str | None = None
    schema_version: str | None = None


async def add_event(
    rt: Runtime, _actor: Actor, account_sid: str, subscription_sid: str,
    fields: SubscribedEventFields,
) -> Record:  # fmt: skip
    entry = subscribed_type(fields.type, fields.schema_version)
    async with rt.store.transaction() as tx:
        subscription = await get_in(tx, account_sid, subscription_sid, lock=True)
        if any(item["type"] == entry["type"] for item in subscription["types"]):
            raise InvalidParameter(
                f"{entry['type']} is already subscribed: update its schema version instead"
            )
        if len(subscription["types"]) >= MAX_TYPES:
            raise InvalidParameter(f"A subscription may name at most {MAX_TYPES} event types")
        subscription["types"] = [*subscription["types"], entry]
        subscription["date_updated"] = rt.now_iso()
        await tx.update("subscription", subscription)
    return _with_owner(subscription, entry)


async def update_event(
    rt: Runtime, _actor: Actor, account_sid: str, subscription_sid: str, type_name: str,
    fields: SubscribedEventFields,
) -> Record:  # fmt: skip
    entry = subscribed_type(type_name, fields.schema_version)
    async with rt.store.transaction() as tx:
        subscription = await get_in(tx, account_sid, subscription_sid, lock=True)
        _entry(subscription, entry["type"])  # 404 when not subscribed
        subscription["types"] = [
            entry if item["type"] == entry["type"] else item for item in subscription["types"]
        ]
        subscription["date_updated"] = rt.now_iso()
        await tx.update("subscription", subscription)
    return _with_owner(subscription, entry)


async def remove_event(
    rt: Runtime, _actor: Actor, account_sid: str, subscription_sid: str, type_name: str
) -> None:
    async with rt.store.transaction() as tx:
        subscription = await get_in(tx, account_sid, subscription_sid, lock=True)
        _entry(subscription, type_name)
        remaining = [item for item in subscription["types"] if item["type"] != type_name]
        if not remaining:
            raise InvalidParameter(
                "A subscription needs at least one event type: delete the subscription instead"
            )
        subscription["types"] = remaining
        subscription["date_updated"] = rt.now_iso()
        await tx.update("subscription", subscription)
