"""The pre-event gate: call the pre-event URL synchronously before the action commits.

Outcomes (docs/webhook-events.md §3, hookline's choices marked *):
- 2xx: allowed; a JSON object body may modify fields (the domain keeps only those Twilio
  allows for that event). *Any 2xx counts, not only 200; a non-JSON body modifies nothing.
- 3xx*, 4xx, 5xx: rejected; the caller gets HTTP 403 with Twilio-style code 50350*, nothing
  is stored and no post-event fires. The log shows the call as ``rejected`` (not
  ``failed``: the receiver decided) with the receiver's answer.
- timeout (5 s) or connection failure*: allowed unchanged, as Twilio publishes the action
  unchanged when the hook does not answer.
Every call is logged as a delivery with its attempt, like post-events. The entry is
written first thing in the action's own transaction (no transaction of its own on the
request path, and it keeps its place before the action's post-event in the log); when no
action follows (rejected) or the action fails, it is written off the request path,
group-committed, and readers of the log wait for that (``DeliveryEngine.settled``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hookline import metrics
from hookline.delivery import log as delivery_log
from hookline.delivery import outbox, routing
from hookline.delivery.routing import UNKNOWN, Target, Unknown
from hookline.delivery.sender import prepare
from hookline.delivery.transport import Transport
from hookline.domain import accounts
from hookline.domain.events import Event
from hookline.domain.runtime import Runtime
from hookline.exceptions import ActionRejected
from hookline.redact import redact_url
from hookline.store import AttemptRow, Tx
from hookline.types import Params

log = logging.getLogger("hookline.delivery")


@dataclass(frozen=True)
class GateLog:
    """One pre-event call as the log keeps it: its event, delivery row and attempt."""

    event: Event
    event_sid: str
    #: When the event happened (the call began), not when the log was written.
    date_created: str
    delivery: dict[str, Any]
    attempt: AttemptRow


async def write_logs(tx: Tx, logs: list[GateLog]) -> None:
    """The pre-event log's group-committed write (see ``results.GroupCommit``)."""
    for entry in logs:
        await outbox.record_event(tx, entry.event, entry.event_sid, entry.date_created)
    await outbox.write(tx, [entry.delivery for entry in logs])
    await tx.insert_attempts([entry.attempt for entry in logs])


async def run(
    rt: Runtime,
    transport: Transport,
    event: Event,
    timeout: float,
    keep: Callable[[GateLog, bool], None],
    target: Target | Unknown | None = UNKNOWN,
) -> Params:
    """Call the pre-event URL for ``event`` (``target``, when the caller has read it in
    its own transaction; else it is read here). The call's log entry goes to ``keep``
    with whether the action goes on (then the action's transaction can write it)."""
    if isinstance(target, Unknown):
        async with rt.store.read() as tx:
            target = await routing.pre_event_target(tx, event)
    token = await accounts.auth_token(rt, event.account_sid)
    if target is None or target.url is None or token is None:
        return {}
    event_sid = rt.sids.new("EV")
    happened = rt.now_iso()
    row = outbox.delivery_row(
        rt, event, event_sid, kind="pre", url=target.url, method=target.method, webhook_sid=None
    )
    prepared = prepare(
        target.url,
        target.method,
        row["params"],
        token,
        row["idempotency_token"],
        max_total_seconds=timeout,
    )
    began = time.monotonic()
    response = await transport.send(prepared.request)
    elapsed = time.monotonic() - began
    metrics.PRE_EVENT_SECONDS.observe(elapsed)
    status = response.status
    allowed = status is None or 200 <= status < 300
    _log_call(event.name, target.url, status, response.error, elapsed)
    row |= {
        "attempts": 1,
        "status": _outcome(status),
        "next_attempt_at": None,
        "last_status": status,
        "last_error": response.error,
    }
    attempt = delivery_log.attempt_row(
        rt, row["sid"], event.account_sid, 1, prepared.request, response, None
    )
    keep(GateLog(event, event_sid, happened, row, attempt), allowed)
    if status is None:
        return {}
    if not allowed:
        raise ActionRejected(
            f"The pre-event webhook {event.name} rejected the action (HTTP {status})",
            code=50350,
            status=403,
        )
    return _modifications(response.body)


def _outcome(status: int | None) -> str:
    """The log's status for a pre-event call: ``delivered`` (2xx, allowed), ``rejected``
    (the receiver answered 3xx/4xx/5xx: it refused the action, on purpose, and the
    answer is the attempt's response), ``failed`` (no answer: the action went on)."""
    if status is None:
        return "failed"
    return "delivered" if 200 <= status < 300 else "rejected"


def _log_call(name: str, url: str, status: int | None, error: str | None, elapsed: float) -> None:
    """One line per pre-event call: its outcome and latency (fields for JSON logs)."""
    if status is None:
        outcome, level, detail = "unanswered", logging.WARNING, f"{error}; action proceeds"
    elif 200 <= status < 300:
        outcome, level, detail = "allowed", logging.INFO, f"HTTP {status}"
    else:
        outcome, level, detail = "rejected", logging.INFO, f"HTTP {status}"
    latency_ms = round(elapsed * 1000, 1)
    log.log(
        level,
        "pre-event %s → %s: %s (%s) in %.1f ms",
        name,
        redact_url(url),
        outcome,
        detail,
        latency_ms,
        extra={"event": name, "outcome": outcome, "status": status, "latency_ms": latency_ms},
    )


def _modifications(body: bytes) -> Params:
    try:
        answer = json.loads(body.decode("utf-8")) if body.strip() else {}
    except (UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(answer, dict):
        return {}
    return {
        str(key): value if isinstance(value, str) else json.dumps(value)
        for key, value in answer.items()
        if value is not None
    }
