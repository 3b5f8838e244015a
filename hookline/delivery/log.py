"""The delivery log: every attempt with its request and (capped) response."""

from __future__ import annotations

from hookline.delivery.transport import OutboundRequest, OutboundResponse
from hookline.domain.runtime import Runtime
from hookline.store import AttemptRow, Tx

BODY_CAP = 8 * 1024


def _text(body: bytes) -> str:
    return body[:BODY_CAP].decode("utf-8", errors="replace")


def attempt_row(
    rt: Runtime,
    delivery_sid: str,
    account_sid: str,
    attempt: int,
    request: OutboundRequest,
    response: OutboundResponse,
    next_attempt_at: float | None,
) -> AttemptRow:
    """One attempt of delivery ``delivery_sid``: the request as sent, the answer as received."""
    doc = {
        "delivery_sid": delivery_sid,
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
    return AttemptRow(delivery_sid, account_sid, attempt, doc, rt.now_ts())


async def record_attempt(tx: Tx, attempt: AttemptRow) -> None:
    await tx.insert_attempts([attempt])
