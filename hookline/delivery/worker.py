"""The delivery worker: claims due outbox rows with a lease, sends, records, reschedules.

Several workers (in several processes or hosts) may share one database: a row is claimed
by an UPDATE that only succeeds while it is due or its lease has expired, so each attempt
has one owner. Endpoints already at their concurrency limit are skipped when claiming, so a
slow or dead receiver never holds up healthy ones. A conversation-scoped webhook has at most
one delivery in flight per worker, so it sees its events in the order they happened.

Two clocks: what is due (retry schedules) is decided by the server's clock, which
``--manual-clock`` lets tests move; leases are about whether a worker is still alive, so
they run on the wall clock. Moving the manual clock never expires a live worker's lease,
and an attempt's outcome is timed from when it started, by the clock that started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable

from hookline import metrics
from hookline.delivery import faults as fault_injection
from hookline.delivery.faults import FaultSource
from hookline.delivery.log import attempt_row
from hookline.delivery.overrides import ConnectionOverrides
from hookline.delivery.results import Outcome
from hookline.delivery.retry import RetryPolicy, parse_retry_after
from hookline.delivery.sender import prepare_row
from hookline.delivery.transport import OutboundResponse, Transport
from hookline.domain import accounts
from hookline.domain.runtime import Runtime
from hookline.redact import redact_url
from hookline.store import Candidate, DeliveryOutcome, DeliveryRow, Tx

log = logging.getLogger("hookline.delivery")

#: Twice the longest a request may take (Twilio's total timeout tops out at 15 s): a
#: crashed worker's rows are taken over this long after it claimed them.
#: ``HOOKLINE_DELIVERY_LEASE_SECONDS`` shortens it (crash tests that should not wait 30 s).
LEASE_SECONDS = float(os.environ.get("HOOKLINE_DELIVERY_LEASE_SECONDS") or 30.0)
IDLE_POLL_SECONDS = 0.5
#: How often a busy worker searches every endpoint for new work, besides the ones it knows.
DISCOVERY_SECONDS = 0.25


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
    ) -> None:
        self.rt = rt
        self.transport = transport
        #: Decides whether and when a failed attempt is tried again.
        self.policy = policy
        #: Seconds since the epoch, shared by every worker process (see the module docstring).
        self.lease_clock = lease_clock
        self.per_endpoint = per_endpoint
        self.max_in_flight = max_in_flight
        self.owner = f"worker-{uuid.uuid4().hex[:12]}"
        #: Each claim leases its rows under its own name (``owner/n``): an outcome is only
        #: written under the lease it was sent with, never over a later claim of the row.
        self._claims = itertools.count(1)
        self._wake = asyncio.Event()
        self._in_flight: Counter[str] = Counter()
        self._hooks_in_flight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._rng = random.Random()
        #: Finished attempts waiting for the next cycle's transaction (see ``_cycle``).
        self._finished: list[tuple[DeliveryRow, Outcome, asyncio.Future[None]]] = []
        self._claim_wanted = False
        self._running = False
        self._cycler: asyncio.Task[None] | None = None
        #: Rows whose slot their outcome's cycle frees (else ``_deliver`` frees it).
        self._handed: set[str] = set()
        #: Resolved with the number of rows started by the next cycle.
        self._next_cycle: asyncio.Future[int] | None = None
        self.faults = faults or FaultSource(rt)
        self._next_expiry_check = 0.0
        #: The last claim saw a full window it could not all take: claim again at once.
        self._truncated = False
        #: Endpoints that had due rows when last looked at (see ``_candidates``).
        self._endpoints: set[str] = set()
        self._next_discovery = 0.0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        self._running = True
        while not self._stopping:
            # Cleared before claiming: a wake that comes while we claim is kept.
            self._wake.clear()
            try:
                claimed = await self.claim_and_start()
            except Exception:
                log.exception("claiming deliveries failed; retrying")
                claimed = 0
            if not (claimed and self._truncated):
                # Newly committed events (and a moved clock) set the wake event; finished
                # deliveries claim their successors in their own cycle.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        if self._cycler is not None and not self._cycler.done():
            await asyncio.wait({self._cycler}, timeout=5)

    async def claim_and_start(self) -> int:
        """Claim what is due now (in the next cycle) and start sending it; the number of
        rows that cycle started."""
        self._claim_wanted = True
        if self._next_cycle is None:
            self._next_cycle = asyncio.get_running_loop().create_future()
        upcoming = self._next_cycle
        self._ensure_cycler()
        return await upcoming

    async def _finish(self, row: DeliveryRow, outcome: Outcome) -> None:
        """Record ``outcome``; returns once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._handed.add(row.sid)
        self._finished.append((row, outcome, done))
        # The freed slot takes the next row in the same transaction (while ``run`` runs;
        # driven step by step, with ``claim_and_start``, a worker claims when asked).
        self._claim_wanted = self._claim_wanted or self._running
        self._ensure_cycler()
        await done

    def _ensure_cycler(self) -> None:
        if self._cycler is None or self._cycler.done():
            self._cycler = asyncio.create_task(self._cycles())

    async def _cycles(self) -> None:
        """Cycles until nothing waits: each is one transaction that records the finished
        attempts, frees their slots and claims what those slots (and any others) can take.
        One transaction instead of two (record, then claim): a commit is a large share of
        a delivery's cost, and on PostgreSQL each transaction is several round trips."""
        try:
            while self._finished or (self._claim_wanted and not self._stopping):
                # One turn of the event loop first: answers that arrived together finish
                # together, and one cycle then records them all and claims once.
                await asyncio.sleep(0)
                await self._cycle()
        finally:
            if self._next_cycle is not None and not self._next_cycle.done():
                self._next_cycle.set_result(0)  # stopping: nothing more is claimed
            self._next_cycle = None

    async def _cycle(self) -> None:
        """One transaction: the finished attempts' outcomes, then (if wanted) a claim."""
        cycle, self._next_cycle = self._next_cycle, None
        batch, self._finished = self._finished, []
        claim, self._claim_wanted = self._claim_wanted and not self._stopping, False
        for row, _, _ in batch:
            self._release(row)
        rows: list[DeliveryRow] = []
        try:
            async with self.rt.store.transaction() as tx:
                await tx.finish_deliveries([o.delivery for _, o, _ in batch])
                await tx.insert_attempts([o.attempt for _, o, _ in batch if o.attempt])
                if claim:
                    rows = await self._claim(tx)
        except Exception as exc:
            rows = []
            for _, _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            if not batch:
                log.exception("claiming deliveries failed; retrying")
        else:
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)
        self._start(rows)
        if cycle is not None and not cycle.done():
            cycle.set_result(len(rows))

    def _release(self, row: DeliveryRow) -> None:
        self._in_flight[row.endpoint or ""] -= 1
        self._hooks_in_flight.discard(row.webhook_sid or "")

    def _start(self, rows: list[DeliveryRow]) -> None:
        for row in rows:
            self._in_flight[row.endpoint or ""] += 1
            if row.webhook_sid:
                self._hooks_in_flight.add(row.webhook_sid)
            task = asyncio.create_task(self._deliver(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _claim(self, tx: Tx) -> list[DeliveryRow]:
        # A window of a few endpoints' worth: fetching hundreds of rows to start one (an
        # endpoint at its limit takes no more) made every claim cost the whole window.
        free = min(self.max_in_flight - sum(self._in_flight.values()), 4 * self.per_endpoint)
        if free <= 0:
            return []
        busy = [key for key, n in self._in_flight.items() if n >= self.per_endpoint]
        now = self.rt.now_ts()
        lease_now = self.lease_clock()
        kinds = ["first", "retry"]
        if lease_now >= self._next_expiry_check:
            # Leases last LEASE_SECONDS; looking for expired ones more often finds nothing.
            kinds.insert(0, "expired")
            self._next_expiry_check = lease_now + LEASE_SECONDS / 6
        candidates = await self._candidates(tx, kinds, now, lease_now, free, busy)
        chosen, planned = [], Counter[str]()
        hooks_taken = set(self._hooks_in_flight)
        for candidate in candidates:
            key = candidate.endpoint or ""
            if self._in_flight[key] + planned[key] >= self.per_endpoint:
                continue
            if candidate.webhook_sid:
                # A conversation-scoped webhook gets its events one at a time, in order
                # (ReplayAfter promises index order before newer messages).
                if candidate.webhook_sid in hooks_taken:
                    continue
                hooks_taken.add(candidate.webhook_sid)
            planned[key] += 1
            chosen.append(candidate.sid)
        if not chosen:
            return []
        return await tx.lease_deliveries(
            chosen,
            owner=f"{self.owner}/{next(self._claims)}",
            lease_until=lease_now + LEASE_SECONDS,
            now=now,
            lease_now=lease_now,
        )

    async def _candidates(
        self, tx: Tx, kinds: list[str], now: float, lease_now: float, free: int, busy: list[str]
    ) -> list[Candidate]:
        """Rows worth leasing: first from endpoints known to have some, each through its own
        index range (rows of a dead endpoint never have to be stepped over), then, every
        DISCOVERY_SECONDS or when no endpoint is known, a search across all endpoints."""
        hooks = sorted(self._hooks_in_flight)
        found: list[Candidate] = []
        if "expired" in kinds:
            found += await self._fetch(tx, "expired", lease_now, free, hooks, busy=busy)
        asked = set(busy)
        for endpoint in sorted(self._endpoints - asked):
            asked.add(endpoint)
            room = min(self.per_endpoint - self._in_flight[endpoint], free - len(found))
            rows: list[Candidate] = []
            for kind in ("first", "retry"):
                if room > len(rows):
                    rows += await self._fetch(
                        tx, kind, now, room - len(rows), hooks, endpoint=endpoint
                    )
            if not rows:
                self._endpoints.discard(endpoint)
            found += rows
        self._truncated = False
        clock = time.monotonic()
        # Not on every claim: when the known endpoints are merely full, a search would
        # step over all their waiting rows (the dead receiver's too) to find nothing.
        if free > len(found) and (not self._endpoints or clock >= self._next_discovery):
            self._next_discovery = clock + DISCOVERY_SECONDS
            for kind in ("first", "retry"):
                wanted = free - len(found)
                if wanted > 0:
                    rows = await self._fetch(tx, kind, now, wanted, hooks, busy=sorted(asked))
                    self._endpoints.update(row.endpoint for row in rows if row.endpoint)
                    self._truncated = len(rows) == wanted
                    found += rows
        return found

    async def _fetch(
        self,
        tx: Tx,
        kind: str,
        now: float,
        limit: int,
        hooks: list[str],
        *,
        busy: list[str] | None = None,
        endpoint: str | None = None,
    ) -> list[Candidate]:
        return await tx.claimable(
            kind,
            now=now,
            limit=limit,
            busy_webhooks=hooks,
            busy_endpoints=busy or [],
            endpoint=endpoint,
        )

    async def _deliver(self, row: DeliveryRow) -> None:
        try:
            await self.deliver(row)
        except Exception:
            log.exception(
                "delivery %s crashed; its lease will expire and it will be retried", row.sid
            )
        finally:
            if row.sid in self._handed:
                self._handed.discard(row.sid)  # its cycle freed the slot
            else:
                self._release(row)  # crashed before its outcome was handed over
                self._wake.set()

    async def deliver(self, row: DeliveryRow) -> None:
        attempt = row.attempts + 1
        token = await accounts.auth_token(self.rt, row.account_sid)
        if token is None or not row.url:
            outcome = DeliveryOutcome(
                row.sid,
                row.lease_owner or self.owner,
                status="undeliverable",
                attempts=row.attempts,
                next_attempt_at=None,
                last_status=None,
                last_error="no account or URL",
                updated_at=self.rt.now_ts(),
            )
            await self._finish(row, Outcome(outcome, None))
            metrics.count_delivery("undeliverable")
            return
        prepared = prepare_row(row, token, attempt, self.rt.now_ts())
        # The attempt ends at its start plus the time it took, by the clock it started on:
        # a clock moved meanwhile (--manual-clock) does not shift this attempt's schedule.
        injection = await self.faults.injection(row.account_sid)
        started, began = self.rt.now_ts(), time.monotonic()
        response, injected = await fault_injection.send(self.transport, prepared.request, injection)
        finished = started + (time.monotonic() - began)
        outcome = self._outcome(
            row, attempt, response, prepared.overrides, finished, prepared.retry or self.policy
        )
        logged = attempt_row(
            self.rt,
            row.sid,
            row.account_sid,
            attempt,
            prepared.request,
            response,
            outcome.next_attempt_at,
        )
        if injected:
            logged.doc["injected"] = injected
        await self._finish(row, Outcome(outcome, logged))
        metrics.count_delivery(metrics.delivery_outcome(outcome.status))
        metrics.DELIVERY_SECONDS.observe(response.elapsed_ms / 1000)
        # A success is DEBUG: an INFO line per delivery cost more CPU than signing it.
        level = logging.DEBUG if outcome.status == "delivered" else logging.WARNING
        if log.isEnabledFor(level):
            log.log(
                level,
                "%s %s → %s: %s (attempt %d)",
                row.event_type,
                row.sid,
                redact_url(row.url),
                response.status or response.error,
                attempt,
            )

    def _outcome(
        self,
        row: DeliveryRow,
        attempt: int,
        response: OutboundResponse,
        overrides: ConnectionOverrides,
        finished: float,
        policy: RetryPolicy,
    ) -> DeliveryOutcome:
        if response.ok:
            status, next_at = "delivered", None
        else:
            delay = policy.retry_in(
                attempt,
                response.status,
                response.error_kind,
                _retry_after(response),
                overrides,
                self._rng,
            )
            status, next_at = ("failed", None) if delay is None else ("pending", finished + delay)
        return DeliveryOutcome(
            row.sid,
            row.lease_owner or self.owner,
            status=status,
            attempts=attempt,
            next_attempt_at=next_at,
            last_status=response.status,
            last_error=response.error,
            updated_at=finished,
        )


def _retry_after(response: OutboundResponse) -> float | None:
    for name, value in response.headers:
        if name.lower() == "retry-after":
            return parse_retry_after(value)
    return None
