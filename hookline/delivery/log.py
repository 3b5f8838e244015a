"""The delivery log: every attempt with its request and (capped) response."""

from __future__ import annotations

from typing import Any

from hookline.delivery.transport import OutboundRequest, OutboundResponse
from hookline.domain.runtime import Runtime
from hookline.store import Tx
from hookline.store import queries as q

BODY_CAP = 8 * 1024


def _text(body: bytes) -> str:
    return body[:BODY_CAP].decode("utf-8", errors="replace")


def attempt_row(
    rt: Runtime,
    row: dict[str, Any],
    attempt: int,
    request: OutboundRequest,
    response: OutboundResponse,
    next_attempt_at: float | None,
) -> dict[str, Any]:
    """One ``delivery_attempts`` row: the request as sent, the answer as received."""
    doc = {
        "delivery_sid": row["sid"],
        "attempt": attempt,
        "at": rt.now_iso(),
        "request": {
            "method": request.method,
            "url": request.url,
            "headers": dict(request.headers),
            "body": _text(request.body),
        },
        "response": {
            "status": response.status,
            "headers": dict(response.headers),
            "body": _text(response.body),
        },
        "latency_ms": round(response.elapsed_ms, 3),
        "error": response.error,
        "next_attempt_at": next_attempt_at,
    }
    return {
        "delivery_sid": row["sid"],
        "account_sid": row["account_sid"],
        "attempt": attempt,
        "doc": doc,
        "created_at": rt.now_ts(),
    }


async def record_attempt(
    rt: Runtime,
    tx: Tx,
    row: dict[str, Any],
    attempt: int,
    request: OutboundRequest,
    response: OutboundResponse,
    next_attempt_at: float | None,
) -> None:
    values = attempt_row(rt, row, attempt, request, response, next_attempt_at)
    await tx.execute(*q.insert_attempt(values))
