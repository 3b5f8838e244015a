"""The delivery worker: claims due outbox rows with a lease, sends, records, reschedules.

Several workers (in several processes or hosts) may share one database: a row is claimed
by an UPDATE that only succeeds while it is due or its lease has expired, so each attempt
has one owner. Leases are short and a live worker renews those it holds
(:mod:`~hookline.delivery.leases`): a dead worker's rows are taken over within seconds, a
live one's never. Stopped (SIGTERM), a worker gives back the rows it has not sent yet
and waits for the requests already out. Which rows a worker starts, so that no URL takes
a whole host and slow URLs get fewer slots: :mod:`hookline.delivery.fairness`.

The parts: :mod:`~hookline.delivery.claiming` finds candidates and leases what
``fairness.choose`` picks, ahead of the free slots; :mod:`~hookline.delivery.holdings`
keeps the rows held and starts waiting ones as slots free;
:mod:`~hookline.delivery.attempt` sends one and judges it; :mod:`~hookline.delivery.cycles`
writes the finished attempts' outcomes in batches, in one transaction with the next claim.
This module ties them together: when to claim, and each row from its start to its
recorded outcome.

Two clocks: what is due (retry schedules) is decided by the server's clock, which
``--manual-clock`` lets tests move; leases are about whether a worker is still alive, so
they run on the wall clock. Moving the manual clock never expires a live worker's lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Callable

from hookline import metrics
from hookline.delivery import attempt
from hookline.delivery.attempt import Judged
from hookline.delivery.claiming import Claimer
from hookline.delivery.cycles import Cycles
from hookline.delivery.fairness import Slots
from hookline.delivery.faults import FaultSource, Injection
from hookline.delivery.holdings import Held, Holdings
from hookline.delivery.leases import LEASE_SECONDS, LeaseKeeper
from hookline.delivery.retry import RetryPolicy
from hookline.delivery.transport import Transport
from hookline.domain import accounts
from hookline.domain.faults import from_doc
from hookline.domain.runtime import Runtime
from hookline.store import DeliveryRow

log = logging.getLogger("hookline.delivery")

IDLE_POLL_SECONDS = 0.5
#: A busy worker (rows held) claims for new rows at most this often: under API load every
#: commit wakes it, and a claim per commit cost more than the deliveries (its finished
#: attempts claim anyway when its queue runs low).
BUSY_CLAIM_SECONDS = 0.025
#: A stopping worker waits this long for requests already sent, then leaves their rows to
#: the lease (another worker re-sends them as retries, same token): a hanging receiver
#: must not hold a shutdown for its whole 15 s timeout.
STOP_GRACE_SECONDS = 5.0


def report_death(run: asyncio.Task[None]) -> None:
    """A done callback for the task running ``Worker.run``: log why it ended, if it failed."""
    if not run.cancelled() and run.exception() is not None:
        log.error(
            "the delivery worker died; nothing is delivered by this process "
            "(/_hookline/health answers 503)",
            exc_info=run.exception(),
        )


class Worker:
    def __init__(
        self,
        rt: Runtime,
        transport: Transport,
        policy: RetryPolicy,
        *,
        per_endpoint: int = 8,
        max_in_flight: int = 256,
        lease_clock: Callable[[], float] = time.time,
        faults: FaultSource | None = None,
        stop_grace: float | None = None,
    ) -> None:
        self.rt = rt
        #: Seconds ``stop`` waits for requests already out (``--shutdown-timeout``).
        self.stop_grace = stop_grace
        self.transport = transport
        self.policy = policy
        #: Seconds since the epoch, shared by every worker process (see the module docstring).
        self.lease_clock = lease_clock
        #: The rows it holds, in flight or waiting (``holdings``).
        self.holdings = Holdings(per_endpoint, max_in_flight)
        self.faults = faults or FaultSource()
        metrics.watch_endpoints(self.holdings)
        self.owner = f"worker-{uuid.uuid4().hex[:12]}"
        self.leases = LeaseKeeper(rt, self.owner, lambda: self.lease_clock())
        self.claimer = Claimer(self.holdings, self.leases, lambda: self.lease_clock())
        self._wake = asyncio.Event()
        #: It will claim within BUSY_CLAIM_SECONDS whatever happens: a wake from another
        #: thread can be skipped (``WorkerThread.wake``), sparing both threads a switch.
        self.claim_scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._running = False
        self._rng = random.Random()
        self._heartbeat: asyncio.Task[None] | None = None
        self.cycles = Cycles(
            rt.store,
            claim=lambda tx: self.claimer.claim(tx, now=self.rt.now_ts(), ahead=self._running),
            start=self._hold_and_start,
            stopping=lambda: self._stopping,
            running=lambda: self._running,
        )

    @property
    def slots(self) -> Slots:
        return self.holdings.slots

    @property
    def held(self) -> dict[str, Held]:
        return self.holdings.held

    @property
    def max_in_flight(self) -> int:
        return self.holdings.max_in_flight

    @max_in_flight.setter
    def max_in_flight(self, value: int) -> None:
        self.holdings.max_in_flight = value

    def endpoints(self, account_sid: str) -> list[dict[str, object]]:
        return self.holdings.endpoints(account_sid)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        self._running = True
        self._heartbeat = asyncio.create_task(self.leases.heartbeat(lambda: self.held))
        log.info("delivery worker %s started (leases of %g s)", self.owner, LEASE_SECONDS)
        while not self._stopping:
            # Cleared before claiming: a wake that comes while we claim is kept.
            self._wake.clear()
            try:
                claimed = await self.claim_and_start()
            except Exception:
                log.exception("claiming deliveries failed; retrying")
                claimed = 0
            if not (claimed and self.claimer.finder.truncated):
                await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        """Until rows may be due that the last claim did not see: a wake (new rows were
        committed), the next search of other endpoints, or the idle poll (retries come due
        by the clock). A busy worker then waits out :data:`BUSY_CLAIM_SECONDS` since its
        last claim, and wakes meanwhile are not needed (``claim_scheduled``)."""
        finder = self.claimer.finder
        timeout = IDLE_POLL_SECONDS
        if finder.search_skipped:
            timeout = min(timeout, max(0.0, finder.next_search - time.monotonic()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        if self.held and not self._stopping:
            self.claim_scheduled = True
            try:
                await asyncio.sleep(self.claimer.last_at + BUSY_CLAIM_SECONDS - time.monotonic())
            finally:
                self.claim_scheduled = False

    async def stop(self) -> None:
        """Stop claiming; give back rows not sent yet; wait for requests already out."""
        self._stopping = True
        self._wake.set()
        unsent = self.holdings.unsent()
        tasks = [held.task for held in unsent if held.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for held in unsent:
            self._release(held, None, answered=False)
        if unsent:
            await self.leases.give_back([held.row.sid for held in unsent])
        if self._tasks:
            grace = STOP_GRACE_SECONDS if self.stop_grace is None else self.stop_grace
            await asyncio.wait(self._tasks, timeout=grace)
        # Still out: cancelled before the transport closes under them (which would record
        # a failure); their rows stay leased until the lease runs out, then are retried.
        late = list(self._tasks)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        await self.cycles.settle(timeout=5)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat

    async def claim_and_start(self) -> int:
        """Claim what is due now (in the next cycle) and start sending it; the number of
        rows that cycle started."""
        return await self.cycles.claim_and_start()

    async def _finish(self, held: Held, judged: Judged) -> None:
        """Free the slot (a waiting row takes it at once) and record ``judged`` with the
        next batch; returns once it is committed."""
        self._release(held, judged.elapsed, answered=judged.answered)
        self._start_ready()
        # Driven step by step (``claim_and_start``), a worker claims only when asked.
        queue_low = len(self.holdings.ready) <= self.slots.total
        claim = self._running and self.claimer.maybe_more and queue_low
        await self.cycles.record(judged, claim=claim)

    def _hold_and_start(self, rows: list[DeliveryRow]) -> int:
        """Rows a cycle just leased: held, and started as far as the rules allow."""
        self.holdings.hold(rows)
        return self._start_ready()

    def _start_ready(self) -> int:
        """Start the waiting rows the fairness rules allow now; how many."""
        started = self.holdings.startable()
        for held in started:
            # The account's fault settings came with the lease (read in the claim).
            injection = self.faults.injection(from_doc(held.row.fault_doc))
            held.task = asyncio.create_task(self._deliver(held, injection))
            self._tasks.add(held.task)
            held.task.add_done_callback(self._tasks.discard)
        return len(started)

    def _release(self, held: Held, elapsed: float | None, *, answered: bool) -> None:
        self.holdings.release(held, elapsed, answered=answered)

    async def _deliver(self, held: Held, injection: Injection) -> None:
        try:
            judged = await self._attempt(held, injection)
            await self._finish(held, judged)
        except asyncio.CancelledError:
            return  # stopping before it was sent: ``stop`` gives the row back
        except Exception:
            log.exception(
                "delivery %s crashed; its lease will expire and it will be retried", held.row.sid
            )
            self._release(held, None, answered=False)
            self._wake.set()
            return
        attempt.report(held.row, judged)

    async def _attempt(self, held: Held, injection: Injection) -> Judged:
        row = held.row
        token = await accounts.auth_token(self.rt, row.account_sid)
        if token is None or not row.url:
            why = "no account or URL"
            return attempt.undeliverable(row, self.owner, self.rt.now_ts(), why)

        def sent() -> None:
            held.sent = True

        return await attempt.send(
            self.rt, self.transport, self.policy, row, token, injection,
            owner=self.owner, rng=self._rng, on_send=sent,
        )  # fmt: skip
