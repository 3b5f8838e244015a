"""The durable outbox: the event row and one delivery row per target, written inside the
action's own transaction so a committed action always has its deliveries and a rolled-back
one never does."""

from __future__ import annotations

import functools
import uuid
from typing import Any
from urllib.parse import urlsplit

from hookline.delivery.states import DeliveryState
from hookline.domain.events import Event
from hookline.domain.runtime import Runtime
from hookline.store import Tx

#: Delivery states (see :mod:`hookline.delivery.states`).
STATUSES = tuple(DeliveryState)


async def record_event(tx: Tx, event: Event, sid: str, date_created: str) -> None:
    """The event log's row for ``event`` (which happened at ``date_created``)."""
    await tx.insert_event(
        sid=sid,
        account_sid=event.account_sid,
        chat_service_sid=event.chat_service_sid,
        conversation_sid=event.conversation_sid,
        event_type=event.name,
        source=event.source,
        params=dict(event.params),
        date_created=date_created,
    )


def delivery_row(
    rt: Runtime,
    event: Event,
    event_sid: str,
    *,
    kind: str,
    url: str | None,
    method: str,
    webhook_sid: str | None,
    status: str = "pending",
    error: str | None = None,
) -> dict[str, Any]:
    now = rt.now_ts()
    params = dict(event.params)
    if webhook_sid and kind != "config":
        params["WebhookSid"] = webhook_sid
    return {
        "sid": rt.sids.new("DL"),
        "account_sid": event.account_sid,
        "event_sid": event_sid,
        "event_type": event.name,
        "conversation_sid": event.conversation_sid,
        "target": kind,
        "webhook_sid": webhook_sid,
        "url": url,
        "endpoint": endpoint_of(url),
        "method": method.upper(),
        "params": params,
        # Fixed when the row is written: every retry reuses it.
        "idempotency_token": uuid.uuid4().hex,
        "status": status,
        "attempts": 0,
        "next_attempt_at": now if status == "pending" else None,
        "last_error": error,
        "created_at": now,
        "updated_at": now,
    }


@functools.lru_cache(maxsize=1024)
def endpoint_of(url: str | None) -> str | None:
    """``scheme://host:port`` of ``url`` (cached: parsed for every outbox row)."""
    if not url:
        return None
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}"


async def write(tx: Tx, rows: list[dict[str, Any]]) -> None:
    await tx.insert_deliveries(rows)
