"""Fault injection in the worker's send path (settings: :mod:`hookline.domain.faults`).

:func:`decide` draws what to do to one attempt: wait up to ``Delay`` extra seconds
(uniformly, so deliveries also arrive out of order) and, with probability ``Duplicate``,
send it a second time right after the first, with the same body, signature and
``I-Twilio-Idempotency-Token``. The worker marks each injection in the attempt's log entry.

Settings are read in the transaction that claims the deliveries (:meth:`FaultSource.read`),
never from a cache: a delivery queued after ``POST /_hookline/faults`` answered is claimed
after it committed, so it sees the new settings, in every worker process.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hookline.delivery.transport import OutboundRequest, OutboundResponse, Transport
from hookline.domain.faults import Faults, from_doc
from hookline.store import Tx


@dataclass(frozen=True)
class Injection:
    """What to do to one attempt."""

    delay: float = 0.0
    duplicate: bool = False

    def __bool__(self) -> bool:
        return self.delay > 0 or self.duplicate

    def log_entry(self, duplicate_answer: dict[str, Any] | None) -> dict[str, Any]:
        """The attempt log's ``injected``: the delay, and the duplicate's answer."""
        entry: dict[str, Any] = {}
        if self.delay > 0:
            entry["delay_seconds"] = round(self.delay, 3)
        if self.duplicate:
            entry["duplicate"] = duplicate_answer
        return entry


def decide(faults: Faults, rng: random.Random) -> Injection:
    """Draw one attempt's injection."""
    delay = rng.uniform(0, faults.delay) if faults.delay > 0 else 0.0
    duplicate = faults.duplicate > 0 and rng.random() < faults.duplicate
    return Injection(delay, duplicate)


class FaultSource:
    """Each account's faults: its own settings, else the server default (``--faults``)."""

    def __init__(self, default: Faults | None = None) -> None:
        self.default = default or Faults()
        self._rng = random.Random()

    async def read(self, tx: Tx, account_sids: Iterable[str]) -> dict[str, Faults]:
        """The settings of those accounts that have their own, read in ``tx`` (the claim's
        transaction, so they are as fresh as the rows claimed)."""
        docs = await tx.fault_settings(list(account_sids))
        return {sid: found for sid, doc in docs.items() if (found := from_doc(doc)) is not None}

    def injection(self, own: Faults | None) -> Injection:
        """Draw one attempt's injection from the account's settings (None: the default)."""
        return decide(own or self.default, self._rng)


async def send(
    transport: Transport,
    request: OutboundRequest,
    injection: Injection,
    on_send: Callable[[], None] | None = None,
) -> tuple[OutboundResponse, dict[str, Any] | None]:
    """Send ``request`` as ``injection`` says; the answer, and the log's ``injected`` entry.
    ``on_send`` is called when the delay is over and the request goes out (until then,
    nothing has reached the receiver: a stopping worker may give the row back)."""
    if injection.delay > 0:
        await asyncio.sleep(injection.delay)
    if on_send is not None:
        on_send()
    response = await transport.send(request)
    if not injection:
        return response, None
    answer = None
    if injection.duplicate:
        again = await transport.send(request)
        answer = {"status": again.status, "error": again.error, "latency_ms": again.elapsed_ms}
    return response, injection.log_entry(answer)
