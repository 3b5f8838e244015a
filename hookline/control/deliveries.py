"""``/_hookline/deliveries``: the delivery log, attempts, and resend."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from hookline.api.call import Call, endpoint, json
from hookline.control.cursor import after_and_limit, newest_first
from hookline.delivery import outbox
from hookline.exceptions import InvalidParameter, NotFound
from hookline.store import Tx
from hookline.store import queries as q

FILTERS = {"Status": "status", "EventType": "event_type", "ConversationSid": "conversation_sid"}


async def listing(call: Call) -> Response:
    after, limit = after_and_limit(call)
    filters: dict[str, Any] = {
        column: call.form.get(name) for name, column in FILTERS.items() if call.form.get(name)
    }
    async with call.rt.store.read() as tx:
        statement = q.select_deliveries(call.account.sid, after, limit, filters, newest_first(call))
        rows = [dict(row._mapping) for row in (await tx.execute(statement)).all()]
        latencies = await _latencies(tx, [row["sid"] for row in rows])
    items = [outbox.public(row) | {"latency_ms": latencies.get(row["sid"])} for row in rows]
    next_after = max((row["seq"] for row in rows), default=after)
    return json({"deliveries": items, "next_after": next_after})


async def _latencies(tx: Tx, sids: list[str]) -> dict[str, float]:
    """Each delivery's latest attempt latency (ms); deliveries not yet tried are left out."""
    if not sids:
        return {}
    rows = (await tx.execute(q.select_attempt_latencies(sids))).all()
    return {sid: latency for sid, latency in rows}


async def _find(call: Call) -> dict[str, Any]:
    async with call.rt.store.read() as tx:
        row = (await tx.execute(q.select_delivery(call.account.sid, call.path("Sid")))).first()
    if row is None:
        raise NotFound(f"Delivery {call.path('Sid')} not found")
    return dict(row._mapping)


async def fetch(call: Call) -> Response:
    row = await _find(call)
    async with call.rt.store.read() as tx:
        attempts = [dict(r.doc) for r in (await tx.execute(q.select_attempts(row["sid"]))).all()]
    latency = attempts[-1].get("latency_ms") if attempts else None
    return json(outbox.public(row) | {"latency_ms": latency, "attempt_log": attempts})


async def resend(call: Call) -> Response:
    """Queue the delivery again (same body and idempotency token); it keeps its history."""
    row = await _find(call)
    if not row["url"]:
        raise InvalidParameter(f"Delivery {row['sid']} has no URL to send to")
    now = call.rt.now_ts()
    async with call.rt.store.transaction() as tx:
        await tx.execute(
            q.update_delivery(
                row["sid"],
                {
                    "status": "pending",
                    "next_attempt_at": now,
                    "lease_owner": None,
                    "lease_until": None,
                    "updated_at": now,
                },
            )
        )
    call.rt.sink.committed()
    return json(outbox.public(row | {"status": "pending", "next_attempt_at": now}), 202)


routes = [
    Route("/_hookline/deliveries", endpoint(listing), methods=["GET"]),
    Route("/_hookline/deliveries/{Sid}", endpoint(fetch), methods=["GET"]),
    Route("/_hookline/deliveries/{Sid}/Resend", endpoint(resend), methods=["POST"]),
]
