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


async def record_attempt(
    rt: Runtime,
    tx: Tx,
    row: dict[str, Any],
    attempt: int,
    request: OutboundRequest,
    response: OutboundResponse,
    next_attempt_at: float | None,
) -> None:
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
    values = {
        "delivery_sid": row["sid"],
        "account_sid": row["account_sid"],
        "attempt": attempt,
        "doc": doc,
        "created_at": rt.now_ts(),
    }
    await tx.execute(q.insert_attempt(values))
