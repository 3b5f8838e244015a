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
from dataclasses import dataclass

from hookline.delivery.fairness import Slots, choose
from hookline.delivery.holdings import AHEAD_FACTOR, Holdings
from hookline.delivery.leases import LEASE_SECONDS, LeaseKeeper
from hookline.store import Candidate, DeliveryRow, Tx

#: How often a busy worker searches every endpoint for new work, besides the ones it knows.
DISCOVERY_SECONDS = 0.25
#: A known endpoint whose due rows are all left out by what is busy (a hanging receiver's
#: backlog behind its URL at its limit) is asked only for rows that came due since, until
#: what is busy there changes, or this long has passed (a row another worker gave back or
#: scheduled for retry is found by then).
STUCK_RECHECK_SECONDS = 2.0
#: Rows are stamped before their transaction commits: "since" reaches back this far, so a
#: row committed late is not skipped.
COMMIT_MARGIN_SECONDS = 1.0


@dataclass
class Stuck:
    """An endpoint whose last ask found no row that could start (see ``_Ask.endpoint``)."""

    #: What left its rows out then: its rows out (in flight or held), its URLs at their
    #: limit, the busy scoped webhooks, the healthy URLs it was asked by. While all that
    #: is the same, those rows stay left out; a row out that ends (and may come back as
    #: a retry due in the past) changes it.
    blocking: tuple[object, ...]
    #: Rows due by this time (server clock) were among them.
    since: float
    #: When (monotonic seconds) it is asked for all its rows again, whatever happened.
    recheck_at: float


class CandidateFinder:
    """Remembers which endpoints had due rows, so most claims read only their index ranges
    (rows of a dead endpoint are never stepped over), and searches for endpoints it does
    not know every :data:`DISCOVERY_SECONDS` or when it knows none: by an index seek per
    endpoint, never over their rows. An endpoint whose rows are all left out by what is
    busy stays known but :class:`Stuck`: asked for newer rows only."""

    def __init__(self) -> None:
        self.endpoints: set[str] = set()
        self.stuck: dict[str, Stuck] = {}
        self._next_discovery = 0.0
        #: The last search found endpoints with more rows than it took: claim again at once.
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
        ask = _Ask(self, tx, slots, now=now, clock=clock)
        found: list[Candidate] = []
        self.left_some = bool(ask.hooks or ask.urls or ask.busy)
        if "expired" in kinds:
            expired = await ask.fetch("expired", lease_now, window, busy_endpoints=ask.busy)
            found += expired
        asked = set(ask.busy)
        for endpoint in sorted(self.endpoints - asked):
            asked.add(endpoint)
            found += await ask.endpoint(endpoint, window - len(found))
        self.truncated = False
        self.search_skipped = False
        clock_now = time.monotonic()
        # Not on every claim: when the known endpoints are merely full, there is nothing
        # new to find.
        if window > len(found) and self.endpoints and clock_now < self._next_discovery:
            self.search_skipped = True
        elif window > len(found):
            self._next_discovery = clock_now + DISCOVERY_SECONDS
            for endpoint in await tx.waiting_endpoints():
                if endpoint in asked or window <= len(found):
                    continue
                asked.add(endpoint)
                self.endpoints.add(endpoint)
                rows = await ask.endpoint(endpoint, window - len(found))
                self.truncated = self.truncated or ask.filled
                found += rows
        return found


class _Ask:
    """One ``find``'s questions to the store, with the worker's busy lists of the moment."""

    def __init__(self, finder: CandidateFinder, tx: Tx, slots: Slots, *, now: float, clock: float):
        self.finder = finder
        self.tx = tx
        self.slots = slots
        self.now = now
        self.clock = clock
        self.hooks = sorted(slots.webhooks)
        self.urls = slots.busy_urls(clock)
        #: Read now, as the lists above: requests may end while the store answers. Each busy
        #: URL's endpoint, and each endpoint's rows out (in flight or held).
        self.url_hosts = {url: slots.active[url].host for url in self.urls}
        out: dict[str, list[str]] = {}
        for state in slots.active.values():
            out.setdefault(state.host, []).extend(state.started)
        self.out = {host: tuple(sorted(sids)) for host, sids in out.items()}
        self.busy = slots.busy_hosts()
        #: The last ``endpoint`` ask got all the rows it had room for.
        self.filled = False

    async def fetch(
        self,
        kind: str,
        at: float,
        limit: int,
        *,
        endpoint: str | None = None,
        busy_endpoints: list[str] | None = None,
        only_urls: list[str] | None = None,
        since: float | None = None,
    ) -> list[Candidate]:
        rows = await self.tx.claimable(
            kind,
            now=at,
            limit=limit,
            busy_webhooks=self.hooks,
            busy_urls=self.urls,
            busy_endpoints=busy_endpoints or [],
            endpoint=endpoint,
            only_urls=only_urls,
            since=since,
        )
        if len(rows) >= limit or only_urls is not None:
            self.finder.left_some = True
        return rows

    async def endpoint(self, endpoint: str, most: int) -> list[Candidate]:
        """The due rows of ``endpoint`` that may start, up to its room (and ``most``)."""
        finder, slots, clock = self.finder, self.slots, self.clock
        # Room for the host plus its reserve: a row the fairness rules skip (its URL is
        # slow) must not hide a healthy URL's row behind it. (URLs already at their limit
        # are left out in SQL, and a host whose slow URLs hold their whole share is asked
        # for its healthy URLs by name, below.) Twice the host's room, as before, fetched
        # three rows for each one leased, and read them all again at the next claim.
        host_room = slots.host_limit - slots.hosts[endpoint]
        room = min(host_room + slots.reserve, most)
        # When its slow URLs hold their whole share, only healthy URLs' rows can start:
        # asked for by URL, they are found behind any number of the slow ones' rows.
        only = (
            slots.healthy_urls(endpoint, clock) if slots.unhealthy_full(endpoint, clock) else None
        )
        out_here = self.out.get(endpoint, ())
        busy_here = tuple(u for u in self.urls if self.url_hosts[u] == endpoint)
        only_key = None if only is None else tuple(only)
        blocking = (out_here, busy_here, tuple(self.hooks), only_key)
        stuck = finder.stuck.pop(endpoint, None)
        since = None
        if stuck is not None and stuck.blocking == blocking and clock < stuck.recheck_at:
            since = stuck.since
        rows: list[Candidate] = []
        for kind in ("first", "retry"):
            if room > len(rows) and only != []:
                rows += await self.fetch(
                    kind, self.now, room - len(rows), endpoint=endpoint, only_urls=only,
                    since=since,
                )  # fmt: skip
        self.filled = room > 0 and len(rows) >= room
        if not rows and room > 0 and out_here:
            # With requests out here, its due rows (if any) are left out by what is busy:
            # while that stays, ask only for rows due from now on, not for its whole
            # backlog again. (With none out, nothing here is busy: it has no due rows.)
            recheck = clock + STUCK_RECHECK_SECONDS
            if since is not None and stuck is not None:
                recheck = stuck.recheck_at
            finder.stuck[endpoint] = Stuck(blocking, self.now - COMMIT_MARGIN_SECONDS, recheck)
        elif not rows and only is None:
            finder.endpoints.discard(endpoint)
        return rows


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
