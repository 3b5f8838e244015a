"""Finding due rows worth leasing, cheaply: the database side of a claim.

Which of them a worker starts is :func:`hookline.delivery.fairness.choose` (pure); this
module only asks the store, in the claim's transaction, for candidates the worker's
:class:`~hookline.delivery.fairness.Slots` do not already rule out (hosts at their limit,
URLs at theirs, scoped webhooks with a delivery in flight are left out in SQL).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from hookline.delivery.fairness import Slots, choose
from hookline.delivery.holdings import AHEAD_FACTOR, Holdings
from hookline.delivery.leases import LEASE_SECONDS, LeaseKeeper
from hookline.store import Candidate, DeliveryRow, Tx

#: How often a busy worker searches every endpoint for new work, besides the ones it knows.
DISCOVERY_SECONDS = 0.25


class CandidateFinder:
    """Remembers which endpoints had due rows, so most claims read only their index ranges
    (rows of a dead endpoint are never stepped over), and searches across all endpoints
    every :data:`DISCOVERY_SECONDS` or when no endpoint is known."""

    def __init__(self) -> None:
        self.endpoints: set[str] = set()
        self._next_discovery = 0.0
        #: The last search filled its window: there is more to claim at once.
        self.truncated = False
        #: Some query of the last ``find`` returned as many rows as it asked for, or left
        #: rows out because they could not start (busy hosts, URLs, webhooks): rows may
        #: still wait that no commit will announce.
        self.left_some = False
        #: The last ``find`` had room but did not search other endpoints (too soon after
        #: the last search): rows of a new endpoint are found at ``next_search``.
        self.search_skipped = False

    @property
    def next_search(self) -> float:
        """When (monotonic seconds) the next search across all endpoints may run."""
        return self._next_discovery

    async def find(
        self,
        tx: Tx,
        slots: Slots,
        *,
        kinds: list[str],
        now: float,
        lease_now: float,
        window: int,
        clock: float,
    ) -> list[Candidate]:
        """Up to about ``window`` candidates, expired leases first, then first attempts,
        then due retries (so a retry backlog never starves fresh events)."""
        hooks = sorted(slots.webhooks)
        urls = slots.busy_urls(clock)
        busy = slots.busy_hosts()
        found: list[Candidate] = []
        self.left_some = bool(hooks or urls or busy)

        async def fetch(
            kind: str,
            at: float,
            limit: int,
            *,
            endpoint: str | None = None,
            busy_endpoints: list[str] | None = None,
            only_urls: list[str] | None = None,
        ) -> list[Candidate]:
            rows = await tx.claimable(
                kind,
                now=at,
                limit=limit,
                busy_webhooks=hooks,
                busy_urls=urls,
                busy_endpoints=busy_endpoints or [],
                endpoint=endpoint,
                only_urls=only_urls,
            )
            if len(rows) >= limit or only_urls is not None:
                self.left_some = True
            return rows

        if "expired" in kinds:
            found += await fetch("expired", lease_now, window, busy_endpoints=busy)
        asked = set(busy)
        for endpoint in sorted(self.endpoints - asked):
            asked.add(endpoint)
            # Room for the host plus its reserve: a row the fairness rules skip (its URL
            # is slow) must not hide a healthy URL's row behind it. (URLs already at their
            # limit are left out in SQL, and a host whose slow URLs hold their whole share
            # is asked for its healthy URLs by name, below.) Twice the host's room, as
            # before, fetched three rows for each one leased, and read them all again at
            # the next claim.
            host_room = slots.host_limit - slots.hosts[endpoint]
            room = min(host_room + slots.reserve, window - len(found))
            # When its slow URLs hold their whole share, only healthy URLs' rows can start:
            # asked for by URL, they are found behind any number of the slow ones' rows.
            only = (
                slots.healthy_urls(endpoint, clock)
                if slots.unhealthy_full(endpoint, clock)
                else None
            )
            rows: list[Candidate] = []
            for kind in ("first", "retry"):
                if room > len(rows) and only != []:
                    more = await fetch(
                        kind, now, room - len(rows), endpoint=endpoint, only_urls=only
                    )
                    rows += more
            if not rows and only is None:
                self.endpoints.discard(endpoint)
            found += rows
        self.truncated = False
        self.search_skipped = False
        clock_now = time.monotonic()
        # Not on every claim: when the known endpoints are merely full, a search would
        # step over all their waiting rows (the dead receiver's too) to find nothing.
        if window > len(found) and self.endpoints and clock_now < self._next_discovery:
            self.search_skipped = True
        elif window > len(found):
            self._next_discovery = clock_now + DISCOVERY_SECONDS
            for kind in ("first", "retry"):
                wanted = window - len(found)
                if wanted > 0:
                    rows = await fetch(kind, now, wanted, busy_endpoints=sorted(asked))
                    self.endpoints.update(row.endpoint for row in rows if row.endpoint)
                    self.truncated = len(rows) == wanted
                    found += rows
        return found


class Claimer:
    """One worker's claims: which rows to lease in a transaction, and under which name."""

    def __init__(
        self, holdings: Holdings, leases: LeaseKeeper, lease_clock: Callable[[], float]
    ) -> None:
        self.holdings = holdings
        self.leases = leases
        self.lease_clock = lease_clock
        self.finder = CandidateFinder()
        #: Each claim leases its rows under its own name (``owner/n``): an outcome is only
        #: written under the lease it was sent with, never over a later claim of the row.
        self._numbers = itertools.count(1)
        self._next_expiry_check = 0.0
        #: When the last claim ran (monotonic seconds).
        self.last_at = 0.0
        #: Rows may wait that the last claim did not take (it filled its window, or some
        #: could not start yet): a finished attempt may claim again. Otherwise only new
        #: rows can be due, and their commit wakes the worker (or it polls).
        self.maybe_more = True

    async def claim(self, tx: Tx, *, now: float, ahead: bool) -> list[DeliveryRow]:
        """Lease what is due (by the server's clock, ``now``) and the fairness rules let
        this worker hold: ``ahead`` (a running worker), up to AHEAD_FACTOR times what it
        may send at once; otherwise only what it starts at once."""
        holdings = self.holdings
        plan, most = holdings.slots, holdings.max_in_flight
        if ahead:
            plan, most = holdings.leased, AHEAD_FACTOR * holdings.max_in_flight
        # A window of a few hosts' worth: fetching hundreds of rows to start one (a host
        # at its limit takes no more) made every claim cost the whole window.
        window = min(most - plan.total, 4 * plan.host_limit)
        self.maybe_more = bool(holdings.held)
        if window <= 0:
            return []
        lease_now, clock = self.lease_clock(), time.monotonic()
        self.last_at = clock
        kinds = ["first", "retry"]
        if lease_now >= self._next_expiry_check:
            # Looking for expired leases more often than a tenth of a lease finds nothing.
            kinds.insert(0, "expired")
            self._next_expiry_check = lease_now + LEASE_SECONDS / 10
        found = await self.finder.find(
            tx, plan, kinds=kinds, now=now, lease_now=lease_now, window=window, clock=clock
        )
        chosen = choose(found, plan, window, clock)
        self.maybe_more = self.finder.left_some or len(chosen) < len(found) or len(chosen) >= window
        if not chosen:
            return []
        return await tx.lease_deliveries(
            [candidate.sid for candidate in chosen],
            owner=f"{self.leases.owner}/{next(self._numbers)}",
            lease_until=self.leases.lease_until(),
            now=now,
            lease_now=lease_now,
        )
