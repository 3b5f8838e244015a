"""Group commit for delivery outcomes.

Every finished attempt changes its delivery row and adds an attempt row. Written one
transaction each, the commits would cap throughput (SQLite has one writer); here outcomes
that finish while a write is in progress are written together in the next one. A caller's
``write`` returns once its outcome is committed, so nothing is reported done before it is
durable; if the process dies first, the lease expires and the delivery is sent again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from hookline.domain.runtime import Runtime
from hookline.store import AttemptRow, DeliveryOutcome


@dataclass(frozen=True)
class Outcome:
    delivery: DeliveryOutcome
    #: The attempt's log entry, or None when nothing was sent.
    attempt: AttemptRow | None


class ResultWriter:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._waiting: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, outcome: Outcome) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((outcome, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._commit([outcome for outcome, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _commit(self, outcomes: list[Outcome]) -> None:
        attempts = [o.attempt for o in outcomes if o.attempt is not None]
        async with self.rt.store.transaction() as tx:
            await tx.finish_deliveries([o.delivery for o in outcomes])
            await tx.insert_attempts(attempts)
