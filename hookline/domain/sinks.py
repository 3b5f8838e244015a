"""Event Streams sinks (``/v1/Sinks``, ``DG…``): where subscribed events are delivered.

hookline's rules (docs/twilio-behaviour.md, "Event Streams"):

- ``webhook`` sinks deliver, and are ``active`` from creation, as Twilio's current sink
  docs say ("Webhook Sinks are active by default"). Their configuration is
  ``destination`` (an absolute http(s) URL), ``method`` (``POST``, the default, or ``GET``)
  and ``batch_events`` (default true: the body is a JSON array of CloudEvents).
- ``kinesis`` and ``segment`` sinks are accepted and stored as Twilio shows them
  (``initialized``), but hookline cannot deliver to AWS or Segment: Test refuses them and
  no subscription may use them, each with a message saying so. ``email`` is refused.
- Test queues a test event carrying a new test id; Validate answers ``valid`` (Twilio:
  "always returns a result property with a value of valid").
- A sink a subscription uses cannot be deleted (delete the subscription first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hookline.domain import emit, streams
from hookline.domain.paging import Page, PageRequest, page_of_items
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import http_url
from hookline.domain.validation import sid as check_sid
from hookline.exceptions import InvalidParameter, LimitExceeded, NotFound
from hookline.store import Tx
from hookline.types import Record

SINK_TYPES = ("webhook", "kinesis", "segment")
STATUSES = ("initialized", "validating", "active", "failed")
#: Twilio: "Up to 100 Sinks and 100 Subscriptions per account".
MAX_SINKS = 100
MAX_DESCRIPTION = 255
#: Configuration keys each undeliverable type must carry (as Twilio's examples show).
_REQUIRED_KEYS = {"kinesis": ("arn", "role_arn", "external_id"), "segment": ("write_key",)}
UNDELIVERABLE = (
    "hookline cannot deliver to {kind} sinks (no AWS or Segment here): use a webhook sink"
)


@dataclass(frozen=True)
class SinkFields:
    description: str | None = None
    sink_configuration: str | None = None
    sink_type: str | None = None


def description(value: str | None) -> str:
    if not value:
        raise InvalidParameter("Missing required parameter Description in the post body")
    if len(value) > MAX_DESCRIPTION:
        raise InvalidParameter(f"Description must be at most {MAX_DESCRIPTION} characters")
    return value


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidParameter(f"SinkConfiguration.{name} must be true or false")


def configuration(sink_type: str, raw: str | None) -> dict[str, Any]:
    """The parsed, checked ``SinkConfiguration`` of a sink of ``sink_type``."""
    if not raw:
        raise InvalidParameter("Missing required parameter SinkConfiguration in the post body")
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise InvalidParameter("SinkConfiguration must be a JSON object") from None
    if not isinstance(parsed, dict):
        raise InvalidParameter("SinkConfiguration must be a JSON object")
    if sink_type != "webhook":
        missing = [key for key in _REQUIRED_KEYS[sink_type] if not parsed.get(key)]
        if missing:
            raise InvalidParameter(
                f"SinkConfiguration of a {sink_type} sink needs {', '.join(missing)}"
            )
        return parsed
    destination = parsed.get("destination")
    if not isinstance(destination, str) or not destination:
        raise InvalidParameter("SinkConfiguration.destination is required for a webhook sink")
    http_url(destination, "SinkConfiguration.destination")
    method = parsed.get("method", "POST")
    if not isinstance(method, str) or method.upper() not in ("POST", "GET"):
        raise InvalidParameter("SinkConfiguration.method must be POST or GET")
    batch = _boolean(parsed.get("batch_events", True), "batch_events")
    return parsed | {"destination": destination, "method": method.upper(), "batch_events": batch}


async def create(rt: Runtime, _actor: Actor, account_sid: str, fields: SinkFields) -> Record:
    text = description(fields.description)
    if not fields.sink_type:
        raise InvalidParameter("Missing required parameter SinkType in the post body")
    if fields.sink_type not in SINK_TYPES:
        raise InvalidParameter(
            f"SinkType must be one of: {', '.join(SINK_TYPES)} (hookline does not offer "
            f"{fields.sink_type!r} sinks)"
        )
    config = configuration(fields.sink_type, fields.sink_configuration)
    now = rt.now_iso()
    sink = {
        "sid": rt.sids.new("DG"),
        "account_sid": account_sid,
        "description": text,
        "sink_type": fields.sink_type,
        "sink_configuration": config,
        "status": "active" if fields.sink_type == "webhook" else "initialized",
        "date_created": now,
        "date_updated": now,
        "test_id": None,
    }
    async with rt.store.transaction() as tx:
        await tx.serialize_on(f"sinks:{account_sid}")
        if await tx.count("sink", account_sid=account_sid) >= MAX_SINKS:
            raise LimitExceeded(f"An account may have at most {MAX_SINKS} sinks")
        await tx.insert("sink", sink)
    return sink


async def get_in(tx: Tx, account_sid: str, sid: str, *, lock: bool = False) -> Record:
    check_sid(sid, "DG", what="Sink")
    read = tx.lock if lock else tx.get
    sink = await read("sink", account_sid=account_sid, sid=sid)
    if sink is None:
        raise NotFound(f"The requested resource /Sinks/{sid} was not found")
    return sink


async def get(rt: Runtime, account_sid: str, sid: str) -> Record:
    async with rt.store.read() as tx:
        return await get_in(tx, account_sid, sid)


async def update(
    rt: Runtime, _actor: Actor, account_sid: str, sid: str, fields: SinkFields
) -> Record:
    text = description(fields.description)
    async with rt.store.transaction() as tx:
        sink = await get_in(tx, account_sid, sid, lock=True)
        sink |= {"description": text, "date_updated": rt.now_iso()}
        await tx.update("sink", sink)
    return sink


async def delete(rt: Runtime, _actor: Actor, account_sid: str, sid: str) -> None:
    async with rt.store.transaction() as tx:
        await get_in(tx, account_sid, sid, lock=True)
        if await tx.count("subscription", sink_sid=sid):
            raise InvalidParameter(
                f"Sink {sid} is used by a subscription: delete the subscription first"
            )
        await tx.delete("sink", sid=sid)


def _flag(value: str, name: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise InvalidParameter(f"{name} must be true or false")
    return value.lower() == "true"


async def listing(
    rt: Runtime, account_sid: str, filters: dict[str, str], request: PageRequest
) -> Page[Record]:
    """The account's sinks, by ``Status`` and ``InUse`` (used by a subscription) if given."""
    status = filters.get("status")
    in_use = _flag(filters["in_use"], "InUse") if "in_use" in filters else None
    async with rt.store.read() as tx:
        rows = await tx.page("sink", {"account_sid": account_sid}, 0, MAX_SINKS * 10)
        used = {s["sink_sid"] for s in await tx.find("subscription", account_sid=account_sid)}
    sinks = [sink for _, sink in rows]  # in creation order
    found = [
        sink
        for sink in sinks
        if (status is None or sink["status"] == status)
        and (in_use is None or (sink["sid"] in used) == in_use)
    ]
    return page_of_items(found, request)


def require_deliverable(sink: Record) -> None:
    """Raise when events cannot be sent to ``sink`` (a subscription or test needs that)."""
    if sink["sink_type"] != "webhook":
        raise InvalidParameter(UNDELIVERABLE.format(kind=sink["sink_type"]))
    if sink["status"] != "active":
        raise InvalidParameter(f"Sink {sink['sid']} is {sink['status']}, not active")


async def test(rt: Runtime, _actor: Actor, account_sid: str, sid: str, _fields: object) -> Record:
    """Queue a test event carrying a new test id to the sink; answers ``submitted``."""
    async with emit.action(rt) as tx:
        sink = await get_in(tx, account_sid, sid, lock=True)
        require_deliverable(sink)
        test_id = rt.sids.new("TE")
        event_id = rt.sids.new("EV")
        event = streams.test_event(test_id, event_id=event_id, time=rt.now_iso(), sink_sid=sid)
        sink |= {"test_id": test_id, "date_updated": rt.now_iso()}
        await tx.update("sink", sink)
        delivery = streams.sink_delivery(sink, streams.TEST_EVENT_TYPE, [event], None)
        await rt.sink.queue_stream(tx, [delivery], event_id)
    return {"result": "submitted"}


async def validate(
    rt: Runtime, _actor: Actor, account_sid: str, sid: str, fields: dict[str, str]
) -> Record:
    """Twilio: Validate "always returns a result property with a value of valid" (sinks
    are active from creation); hookline still wants the sink and a ``TestId``."""
    if not fields.get("test_id"):
        raise InvalidParameter("Missing required parameter TestId in the post body")
    await get(rt, account_sid, sid)
    return {"result": "valid"}
