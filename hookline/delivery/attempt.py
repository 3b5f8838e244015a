"""Sending one delivery attempt and judging how it went, apart from claiming and recording.

The row arrives leased, its ``attempts`` already counting this send (``Tx.lease_deliveries``),
so ``RetryCount`` is ``attempts - 1``: a row re-sent after its worker died or its outcome was
lost says ``RetryCount=1`` or more, with the same ``I-Twilio-Idempotency-Token``. The
result is a value (:class:`Judged`); writing it is the worker's batch
(:mod:`~hookline.delivery.cycles`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from hookline import metrics
from hookline.delivery import faults as fault_injection
from hookline.delivery.faults import Injection
from hookline.delivery.log import attempt_row
from hookline.delivery.overrides import ConnectionOverrides
from hookline.delivery.results import Outcome
from hookline.delivery.retry import RetryPolicy, parse_retry_after
from hookline.delivery.sender import prepare_row
from hookline.delivery.states import DeliveryState
from hookline.delivery.transport import OutboundResponse, Transport
from hookline.domain.runtime import Runtime
from hookline.redact import redact_url
from hookline.store import DeliveryOutcome, DeliveryRow

log = logging.getLogger("hookline.delivery")


@dataclass(frozen=True)
class Judged:
    """One attempt, finished: what to record, and what it says about the URL."""

    outcome: Outcome
    #: The response (None when nothing was sent).
    response: OutboundResponse | None = None
    #: Seconds the request took (None: nothing was sent).
    elapsed: float | None = None

    @property
    def answered(self) -> bool:
        return self.response is not None and self.response.status is not None


def undeliverable(row: DeliveryRow, owner: str, now: float, why: str) -> Judged:
    """A row that cannot be sent at all (no account token, no URL): nothing was sent, so
    its lease's attempt is not counted."""
    outcome = DeliveryOutcome(
        row.sid,
        row.lease_owner or owner,
        status=DeliveryState.UNDELIVERABLE,
        attempts=max(0, row.attempts - 1),
        next_attempt_at=None,
        last_status=None,
        last_error=why,
        updated_at=now,
    )
    return Judged(Outcome(outcome, None))


async def send(
    rt: Runtime,
    transport: Transport,
    policy: RetryPolicy,
    row: DeliveryRow,
    auth_token: str,
    injection: Injection,
    *,
    owner: str,
    rng: random.Random,
    on_send: Callable[[], None] | None = None,
) -> Judged:
    """Sign and send ``row`` (as ``injection`` says), then judge the answer."""
    assert row.url is not None
    attempt = max(1, row.attempts)
    prepared = prepare_row(row, auth_token, attempt, rt.now_ts())
    # The attempt ends at its start plus the time it took, by the clock it started on:
    # a clock moved meanwhile (--manual-clock) does not shift this attempt's schedule.
    started, began = rt.now_ts(), time.monotonic()
    response, injected = await fault_injection.send(transport, prepared.request, injection, on_send)
    took = time.monotonic() - began
    # Event Streams sink rows carry their own schedule; webhooks use the worker's.
    schedule = prepared.retry or policy
    outcome = judge(
        schedule, row, attempt, response, prepared.overrides, started + took, owner=owner, rng=rng
    )
    logged = attempt_row(
        rt, row.sid, row.account_sid, attempt, prepared.request, response, outcome.next_attempt_at
    )
    if injected:
        logged.doc["injected"] = injected
    return Judged(Outcome(outcome, logged), response, response.elapsed_ms / 1000)


def judge(
    policy: RetryPolicy,
    row: DeliveryRow,
    attempt: int,
    response: OutboundResponse,
    overrides: ConnectionOverrides,
    finished: float,
    *,
    owner: str,
    rng: random.Random | None = None,
) -> DeliveryOutcome:
    """The row's new state after attempt ``attempt`` got ``response``."""
    status, next_at = DeliveryState.DELIVERED, None
    if not response.ok:
        decision = policy.decide(
            attempt=attempt,
            status=response.status,
            error_kind=response.error_kind,
            retry_after=_retry_after(response),
            overrides=overrides,
            rng=rng,
        )
        if decision.retry and decision.delay is not None:
            status, next_at = DeliveryState.PENDING, finished + decision.delay
        else:
            status = DeliveryState.FAILED
    return DeliveryOutcome(
        row.sid,
        row.lease_owner or owner,
        status=status,
        attempts=attempt,
        next_attempt_at=next_at,
        last_status=response.status,
        last_error=response.error,
        updated_at=finished,
    )


def _retry_after(response: OutboundResponse) -> float | None:
    value = response.header("retry-after")
    return parse_retry_after(value) if value is not None else None


def report(row: DeliveryRow, judged: Judged) -> None:
    """Count the attempt in ``/metrics`` and log it (a failure at WARNING)."""
    status = judged.outcome.delivery.status
    metrics.count_delivery(metrics.delivery_outcome(status))
    response = judged.response
    if response is None:
        return
    metrics.DELIVERY_SECONDS.observe(response.elapsed_ms / 1000)
    # A success is DEBUG: an INFO line per delivery cost more CPU than signing it.
    level = logging.DEBUG if status == DeliveryState.DELIVERED else logging.WARNING
    if log.isEnabledFor(level):
        log.log(
            level,
            "%s %s → %s: %s (attempt %d)",
            row.event_type,
            row.sid,
            redact_url(row.url or ""),
            response.status or response.error,
            judged.outcome.delivery.attempts,
        )
