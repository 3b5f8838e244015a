"""A worker's cycles: finished attempts recorded in batches, each batch in one transaction
with the next claim.

One transaction instead of two (record, then claim): a commit is a large share of a
delivery's cost, and on PostgreSQL each transaction is several round trips. A cycle runs
when a claim is wanted, when :data:`FLUSH_BATCH` outcomes wait, or :data:`FLUSH_SECONDS`
after the first of them finished; an attempt's ``record`` returns once its outcome is
committed. What is claimed and how rows start is the worker's (``claim`` and ``start``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from hookline.delivery.attempt import Judged
from hookline.store import DeliveryRow, Store, Tx

log = logging.getLogger("hookline.delivery")

#: Finished attempts are recorded together: when this many wait, or FLUSH_SECONDS after
#: the first of them finished (sooner when a claim is due: one transaction does both).
FLUSH_BATCH = 64
FLUSH_SECONDS = 0.01


class Cycles:
    def __init__(
        self,
        store: Store,
        *,
        claim: Callable[[Tx], Awaitable[list[DeliveryRow]]],
        start: Callable[[list[DeliveryRow]], int],
        stopping: Callable[[], bool],
        running: Callable[[], bool],
    ) -> None:
        self._store = store
        #: Leases rows in the cycle's transaction (the worker's claimer).
        self._claim = claim
        #: Holds the rows just leased and starts what may start; how many started.
        self._start = start
        self._stopping = stopping
        #: False while a test drives the worker step by step: outcomes are written at once.
        self._running = running
        #: Finished attempts waiting for the next cycle's transaction.
        self._finished: list[tuple[Judged, asyncio.Future[None]]] = []
        self._claim_wanted = False
        self._cycler: asyncio.Task[None] | None = None
        #: Resolved with the number of rows started by the next cycle.
        self._next_cycle: asyncio.Future[int] | None = None
        self._flush_timer: asyncio.TimerHandle | None = None
        self._flush_due = False

    async def claim_and_start(self) -> int:
        """Claim in the next cycle (now, unless one is running); the rows it started."""
        self._claim_wanted = True
        if self._next_cycle is None:
            self._next_cycle = asyncio.get_running_loop().create_future()
        upcoming = self._next_cycle
        self._ensure_cycler()
        return await upcoming

    async def record(self, judged: Judged, *, claim: bool) -> None:
        """Write ``judged``'s outcome with the next batch (``claim``: that cycle claims
        too); returns once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._finished.append((judged, done))
        if claim:
            self._claim_wanted = True
        if self._cycle_due():
            self._ensure_cycler()
        elif self._flush_timer is None:
            self._flush_timer = asyncio.get_running_loop().call_later(
                FLUSH_SECONDS, self._flush_later
            )
        await done

    async def settle(self, timeout: float) -> None:
        """Wait (up to ``timeout`` seconds) for the cycle in progress, if any."""
        if self._cycler is not None and not self._cycler.done():
            await asyncio.wait({self._cycler}, timeout=timeout)

    def _flush_later(self) -> None:
        self._flush_timer = None
        self._flush_due = True
        self._ensure_cycler()

    def _cycle_due(self) -> bool:
        if self._claim_wanted and not self._stopping():
            return True
        if not self._finished:
            return False
        waited = self._flush_due or len(self._finished) >= FLUSH_BATCH
        return waited or self._stopping() or not self._running()

    def _ensure_cycler(self) -> None:
        if self._cycler is None or self._cycler.done():
            self._cycler = asyncio.create_task(self._cycles())

    async def _cycles(self) -> None:
        """Cycles while one is due."""
        try:
            while True:
                # One turn of the event loop first: answers that arrived together finish
                # together, and one cycle then records them all and claims once.
                await asyncio.sleep(0)
                if not self._cycle_due():
                    break
                self._flush_due = False
                await self._cycle()
        finally:
            if self._next_cycle is not None and not self._next_cycle.done():
                self._next_cycle.set_result(0)  # stopping: nothing more is claimed
            self._next_cycle = None

    async def _cycle(self) -> None:
        """One transaction: the finished attempts' outcomes, then (if wanted) a claim (whose
        rows carry their account's fault settings: never stale)."""
        cycle, self._next_cycle = self._next_cycle, None
        batch, self._finished = self._finished, []
        claim, self._claim_wanted = self._claim_wanted and not self._stopping(), False
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        rows: list[DeliveryRow] = []
        try:
            async with self._store.transaction() as tx:
                outcomes = [judged.outcome for judged, _ in batch]
                await tx.finish_deliveries([o.delivery for o in outcomes])
                await tx.insert_attempts([o.attempt for o in outcomes if o.attempt])
                if claim:
                    rows = await self._claim(tx)
        except Exception as exc:
            rows = []
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            if not batch:
                log.exception("claiming deliveries failed; retrying")
        else:
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
        started = self._start(rows)
        if cycle is not None and not cycle.done():
            cycle.set_result(started)
