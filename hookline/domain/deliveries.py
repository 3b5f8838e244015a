"""The delivery log as the control API shows it: list, show (with attempts), resend."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from hookline.domain.runtime import Runtime
from hookline.exceptions import InvalidParameter, NotFound
from hookline.store import DeliveryRow, Tx
from hookline.types import Record

#: The fields a delivery is shown with (the lease and claim bookkeeping are left out).
PUBLIC_FIELDS = (
    "sid",
    "account_sid",
    "event_sid",
    "event_type",
    "conversation_sid",
    "target",
    "webhook_sid",
    "url",
    "method",
    "params",
    "idempotency_token",
    "status",
    "attempts",
    "next_attempt_at",
    "last_status",
    "last_error",
    "created_at",
    "updated_at",
)
#: The filters :func:`page` takes: column → value.
FILTERS = ("status", "event_type", "conversation_sid")


def public(row: DeliveryRow) -> Record:
    """A delivery as the control API shows it."""
    return {key: getattr(row, key) for key in PUBLIC_FIELDS}


async def page(
    rt: Runtime,
    account_sid: str,
    after: int,
    limit: int,
    filters: Mapping[str, str],
    descending: bool = False,
) -> tuple[list[Record], int]:
    """Deliveries after position ``after``, oldest first (``descending``: newest first),
    each with its latest attempt's ``latency_ms``, and the position to go on from."""
    await rt.sink.settled()  # the pre-event log is written off the request path
    async with rt.store.read() as tx:
        rows = await tx.deliveries_page(account_sid, after, limit, filters, descending)
        latencies = await tx.attempt_latencies([row.sid for row in rows])
    items = [public(row) | {"latency_ms": latencies.get(row.sid)} for row in rows]
    return items, max((row.seq for row in rows), default=after)


async def _find(tx: Tx, account_sid: str, sid: str) -> DeliveryRow:
    row = await tx.delivery(account_sid, sid)
    if row is None:
        raise NotFound(f"Delivery {sid} not found")
    return row


async def show(rt: Runtime, account_sid: str, sid: str) -> Record:
    """One delivery with its ``attempt_log`` (each attempt's request and response)."""
    await rt.sink.settled()  # the pre-event log is written off the request path
    async with rt.store.read() as tx:
        row = await _find(tx, account_sid, sid)
        attempts = await tx.attempts_of(row.sid)
    latency = attempts[-1].get("latency_ms") if attempts else None
    return public(row) | {"latency_ms": latency, "attempt_log": attempts}


async def resend(rt: Runtime, account_sid: str, sid: str) -> Record:
    """Queue the delivery again (same body and idempotency token); it keeps its history."""
    await rt.sink.settled()  # the pre-event log is written off the request path
    async with rt.store.transaction() as tx:
        row = await _find(tx, account_sid, sid)
        if row.target == "pre":
            # The action it gated was decided when the call was answered: sending it
            # again could change nothing, and the worker sends post-events only.
            raise InvalidParameter(
                f"Delivery {row.sid} is a pre-event call ({row.event_type}): it cannot be "
                "resent, the action it gated was decided by its answer"
            )
        if not row.url:
            raise InvalidParameter(f"Delivery {row.sid} has no URL to send to")
        now = rt.now_ts()
        await tx.reset_delivery(row.sid, now)
    rt.sink.committed()
    return public(dataclasses.replace(row, status="pending", next_attempt_at=now))


async def backlog(rt: Runtime) -> int:
    """How many deliveries (all accounts) wait to be sent or are being sent."""
    async with rt.store.read() as tx:
        return await tx.outbox_pending()
