"""Fault injection in the worker's send path (settings: :mod:`hookline.domain.faults`).

:func:`decide` draws what to do to one attempt: wait up to ``Delay`` extra seconds
(uniformly, so deliveries also arrive out of order) and, with probability ``Duplicate``,
send it a second time right after the first, with the same body, signature and
``I-Twilio-Idempotency-Token``. The worker marks each injection in the attempt's log entry.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

from hookline.cache import TimedCache
from hookline.delivery.transport import OutboundRequest, OutboundResponse, Transport
from hookline.domain.faults import Faults, from_doc
from hookline.domain.runtime import Runtime

#: How long a worker trusts an account's settings it has read: changes apply within this.
SETTINGS_TTL = 1.0


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
    """Each account's faults (its own settings, else the server default), briefly cached."""

    def __init__(self, rt: Runtime, default: Faults | None = None) -> None:
        self.rt = rt
        self.default = default or Faults()
        self._cache = TimedCache(SETTINGS_TTL)
        self._rng = random.Random()

    async def _load(self, account_sid: str) -> Faults | None:
        async with self.rt.store.read() as tx:
            return from_doc(await tx.get("fault_setting", sid=account_sid))

    async def injection(self, account_sid: str) -> Injection:
        own = await self._cache.get(account_sid, lambda: self._load(account_sid))
        return decide(own or self.default, self._rng)


async def send(
    transport: Transport, request: OutboundRequest, injection: Injection
) -> tuple[OutboundResponse, dict[str, Any] | None]:
    """Send ``request`` as ``injection`` says; the answer, and the log's ``injected`` entry."""
    if injection.delay > 0:
        await asyncio.sleep(injection.delay)
    response = await transport.send(request)
    if not injection:
        return response, None
    answer = None
    if injection.duplicate:
        again = await transport.send(request)
        answer = {"status": again.status, "error": again.error, "latency_ms": again.elapsed_ms}
    return response, injection.log_entry(answer)
