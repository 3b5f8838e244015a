"""Which due deliveries a worker starts now: fair shares of each host, as pure functions.

A worker sends at most ``host_limit`` requests at once to one ``scheme://host:port`` (the
politeness limit, ``HOOKLINE_PER_ENDPOINT_CONCURRENCY``). Within a host, slots are shared by URL
(a conversation-scoped webhook's ``?conv=…`` makes a URL of its own):

- **Healthy URLs keep a reserve.** A URL is *healthy* once it answered within
  :data:`SLOW_SECONDS` and while none of its requests has been out longer. URLs that are
  not (never answered yet, or slow, or timing out) together start new requests only while
  they hold fewer than ``host_limit - reserve`` of the host's slots: however many hang, the
  reserve (a quarter of the host, at least one slot) stays for the healthy ones.
- **No single URL takes the host.** A URL's own limit moves between 1 and
  ``host_limit - reserve``: one more after each answer, halved after each request that
  got none (a timeout, a refused or broken connection): additive increase,
  multiplicative decrease, as TCP does. A URL that answers, but slowly, keeps its limit
  but shares the unhealthy part of the host with the others like it. Twilio's limits are
  the ceiling: no request outlives its 5 s connect / 15 s total timeout, so a slot taken
  by a hanging receiver comes back within 15 s at worst.
- **A scoped webhook sees its events in order**: one delivery in flight per webhook.

Nothing here reads a clock or a database: :class:`Slots` is told when requests start and
end (with ``now``, monotonic seconds), and :func:`choose` picks from candidates. The
state is per worker process; each worker applies its own limits.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hookline.store import Candidate

#: An answer slower than this marks its URL slow (well inside Twilio's 5 s connect and
#: 15 s total timeouts, which bound how long any slot is held).
SLOW_SECONDS = 2.0
#: URLs remembered per worker (least recently used forgotten first; a forgotten URL is
#: treated like a new one).
MAX_URLS = 10_000
#: Healthy URLs a claim asks for by name when their host's unhealthy share is used up.
MAX_ASKED = 200


def reserve_for(host_limit: int) -> int:
    """Slots of a host kept for healthy URLs."""
    return max(1, host_limit // 4) if host_limit >= 2 else 0


@dataclass
class UrlState:
    """What a worker knows of one URL."""

    host: str
    #: How many requests to it may be in flight at once (adaptive).
    limit: int
    #: It answered quickly last time (False for a URL never answered yet).
    fast: bool = False
    #: Start times (monotonic) of its requests in flight, by delivery sid.
    started: dict[str, float] = field(default_factory=dict)
    #: The account whose deliveries go there (the worker's note, for the inspector).
    account: str = ""

    def healthy(self, now: float, slow_after: float) -> bool:
        # min() rather than all(...): a claim asks this once per candidate row.
        return self.fast and (not self.started or now - min(self.started.values()) < slow_after)


class Slots:
    """A worker's requests in flight, by host, URL and webhook, and each URL's health."""

    def __init__(
        self, host_limit: int, *, slow_after: float = SLOW_SECONDS, max_urls: int = MAX_URLS
    ) -> None:
        self.host_limit = max(1, host_limit)
        self.reserve = reserve_for(self.host_limit)
        #: The most one URL (and all unhealthy URLs of a host together) may hold.
        self.url_cap = self.host_limit - self.reserve
        self.slow_after = slow_after
        self.max_urls = max_urls
        self.hosts: Counter[str] = Counter()
        self.webhooks: set[str] = set()
        self.urls: OrderedDict[str, UrlState] = OrderedDict()
        #: The URLs with requests in flight: what every claim looks at (a worker may know
        #: thousands of URLs, one per scoped webhook; it has at most a few hundred out).
        self.active: dict[str, UrlState] = {}

    @property
    def total(self) -> int:
        return sum(self.hosts.values())

    def url(self, url: str, host: str) -> UrlState:
        state = self.urls.get(url)
        if state is None:
            state = self.urls[url] = UrlState(host, limit=min(2, self.url_cap))
            self._forget_idle()
        self.urls.move_to_end(url)
        return state

    def _forget_idle(self) -> None:
        while len(self.urls) > self.max_urls:
            oldest = next((u for u, s in self.urls.items() if not s.started), None)
            if oldest is None:
                return
            del self.urls[oldest]

    def unhealthy_in_flight(self, host: str, now: float) -> int:
        return sum(
            len(s.started)
            for s in self.active.values()
            if s.host == host and not s.healthy(now, self.slow_after)
        )

    def start(self, candidate: Candidate, now: float) -> None:
        host = candidate.endpoint or ""
        self.hosts[host] += 1
        if candidate.webhook_sid:
            self.webhooks.add(candidate.webhook_sid)
        url = candidate.url or ""
        state = self.url(url, host)
        state.started[candidate.sid] = now
        self.active[url] = state

    def finish(self, candidate: Candidate, *, elapsed: float | None, answered: bool) -> None:
        """A request ended after ``elapsed`` seconds, ``answered`` or not (``elapsed``
        None: it was never sent, which says nothing about the URL)."""
        host = candidate.endpoint or ""
        self.hosts[host] -= 1
        if self.hosts[host] <= 0:
            del self.hosts[host]
        if candidate.webhook_sid:
            self.webhooks.discard(candidate.webhook_sid)
        url = candidate.url or ""
        state = self.url(url, host)
        state.started.pop(candidate.sid, None)
        if not state.started:
            self.active.pop(url, None)
        if elapsed is None:
            return
        state.fast = answered and elapsed < self.slow_after
        if answered:
            state.limit = min(self.url_cap, state.limit + 1)
        else:
            state.limit = max(1, state.limit // 2)

    def unhealthy_full(self, host: str, now: float) -> bool:
        """The host's unhealthy URLs hold their whole share: only healthy ones may start."""
        return self.unhealthy_in_flight(host, now) >= self.url_cap

    def healthy_urls(self, host: str, now: float) -> list[str]:
        """The host's healthy URLs with room, most recently used first (at most
        :data:`MAX_ASKED`: the claim lists them in its query)."""
        found = []
        for url in reversed(self.urls):
            s = self.urls[url]
            if s.host == host and s.healthy(now, self.slow_after) and len(s.started) < s.limit:
                found.append(url)
                if len(found) >= MAX_ASKED:
                    break
        return sorted(found)

    def busy_hosts(self) -> list[str]:
        return sorted(host for host, n in self.hosts.items() if n >= self.host_limit)

    def busy_urls(self, now: float) -> list[str]:
        """URLs with requests out that may start nothing more now (at their limit, or
        unhealthy on a host whose unhealthy share is used up): the claim query leaves
        their rows out. (An idle URL's rows are judged by ``choose``; a host whose share
        is used up is asked for its healthy URLs' rows only.)"""
        full_hosts = {h for h in self.hosts if self.unhealthy_full(h, now)}
        return sorted(
            url
            for url, s in self.active.items()
            if len(s.started) >= s.limit
            or (s.host in full_hosts and not s.healthy(now, self.slow_after))
        )


def choose(
    candidates: Iterable[Candidate],
    slots: Slots,
    free: int,
    now: float,
    distinct_urls: int | None = None,
) -> list[Candidate]:
    """The candidates (in the order given: oldest due first) a worker starts now, at most
    ``free`` of them, by the rules in the module docstring. ``distinct_urls``, when
    known, is how many URLs the candidates have: once that many are blocked, the rest
    are not looked at (a worker's queue of rows claimed ahead is long, and when a slot
    frees, usually one row of it can start)."""
    hosts: Counter[str] = Counter(slots.hosts)
    urls: Counter[str] = Counter()
    unhealthy: dict[str, int] = {}
    hooks = set(slots.webhooks)
    #: URLs that can start nothing more in this call (their host is full, they are at
    #: their limit, or unhealthy on a host whose unhealthy share is used): counts only
    #: grow here, so their later rows are skipped at the cost of one lookup. A worker's
    #: queue of rows claimed ahead is asked every time a slot frees.
    blocked: set[str] = set()
    chosen: list[Candidate] = []
    every_url = distinct_urls if distinct_urls is not None else -1
    for candidate in candidates:
        if len(chosen) >= free or len(blocked) == every_url:
            break
        url = candidate.url or ""
        if url in blocked:
            continue
        host = candidate.endpoint or ""
        if hosts[host] >= slots.host_limit:
            blocked.add(url)
            continue
        if candidate.webhook_sid and candidate.webhook_sid in hooks:
            continue
        state = slots.urls.get(url)
        in_flight = (len(state.started) if state else 0) + urls[url]
        limit = state.limit if state else min(2, slots.url_cap)
        if in_flight >= limit:
            blocked.add(url)
            continue
        if state is None or not state.healthy(now, slots.slow_after):
            if host not in unhealthy:
                unhealthy[host] = slots.unhealthy_in_flight(host, now)
            if unhealthy[host] >= slots.url_cap:
                blocked.add(url)
                continue
            unhealthy[host] += 1
        hosts[host] += 1
        urls[url] += 1
        if candidate.webhook_sid:
            hooks.add(candidate.webhook_sid)
        chosen.append(candidate)
    return chosen


def shares(slots: Slots, now: float) -> Sequence[tuple[str, int, int, bool]]:
    """``(url, in flight, limit, healthy)`` of every URL with requests in flight, or not
    healthy (a slow URL's reduced slots stay visible while it is idle)."""
    found = []
    for url, state in slots.urls.items():
        healthy = state.healthy(now, slots.slow_after)
        if state.started or not healthy:
            found.append((url, len(state.started), state.limit, healthy))
    return found
