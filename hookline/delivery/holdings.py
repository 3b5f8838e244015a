"""The rows a worker holds: in flight, or leased ahead and waiting for a slot.

Two views of the same rows, both :class:`~hookline.delivery.fairness.Slots`: ``slots``
counts requests in flight and is what the fairness rules limit (the politeness limit per
host, each URL's adaptive share); ``leased`` counts every held row, with limits
:data:`AHEAD_FACTOR` times as large, and is what a running worker plans its claims on. A
waiting row starts when ``choose`` allows it on ``slots``: claiming ahead never sends more
at once than claiming one row at a time would.

Read from other threads (``/metrics``, the inspector) while the worker's own thread
changes them: those readers copy, and copy again when a dict changed under them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from hookline.delivery.fairness import Slots, choose, shares
from hookline.redact import redact_url
from hookline.store import Candidate, DeliveryRow

#: How far a running worker claims ahead: it leases up to this many times its per-host
#: limit and sends the limit at once; the rest wait, leased (and renewed), and start the
#: moment a slot frees, without a database round trip. It claims again when fewer rows
#: wait than are in flight: one claim per dozens of deliveries to a busy URL.
AHEAD_FACTOR = 8


@dataclass(eq=False)
class Held:
    """A row this worker leased: sent yet or not, and the task sending it."""

    row: DeliveryRow
    slot: Candidate
    #: Its request went out (a stopping worker gives back only rows not sent).
    sent: bool = False
    #: Started (it holds one of the in-flight slots); False while it waits, claimed ahead.
    started: bool = False
    task: asyncio.Task[None] | None = None


class Holdings:
    def __init__(self, per_endpoint: int, max_in_flight: int) -> None:
        self.max_in_flight = max_in_flight
        #: Requests in flight, by host and URL: what the fairness rules limit.
        self.slots = Slots(per_endpoint)
        #: Every held row, with limits AHEAD_FACTOR times as large (claims are planned on it).
        self.leased = Slots(per_endpoint * AHEAD_FACTOR)
        self.held: dict[str, Held] = {}
        #: Held rows not started yet, oldest claim first.
        self.ready: dict[str, Held] = {}
        #: How many of them each URL has (``choose`` stops once all their URLs are blocked).
        self._ready_urls: Counter[str] = Counter()

    def hold(self, rows: list[DeliveryRow]) -> None:
        """Rows just leased: held, waiting for a slot."""
        clock = time.monotonic()
        for row in rows:
            held = Held(row, Candidate(row.sid, row.endpoint, row.webhook_sid, row.url))
            self.held[row.sid] = held
            self.ready[row.sid] = held
            self._ready_urls[row.url or ""] += 1
            self.leased.start(held.slot, clock)

    def startable(self) -> list[Held]:
        """The waiting rows the fairness rules let start now, counted as started."""
        free = self.max_in_flight - self.slots.total
        if free <= 0 or not self.ready:
            return []
        clock = time.monotonic()
        candidates = (held.slot for held in self.ready.values())
        chosen = choose(candidates, self.slots, free, clock, len(self._ready_urls))
        started = []
        for slot in chosen:
            held = self._unready(slot.sid)
            assert held is not None
            held.started = True
            self.slots.start(slot, clock)
            self.slots.urls[held.row.url or ""].account = held.row.account_sid
            started.append(held)
        return started

    def release(self, held: Held, elapsed: float | None, *, answered: bool) -> None:
        """``held`` is done with (``elapsed`` None: never sent)."""
        if self.held.get(held.row.sid) is not held:
            return
        del self.held[held.row.sid]
        self._unready(held.row.sid)
        self.leased.finish(held.slot, elapsed=elapsed, answered=answered)
        if held.started:
            self.slots.finish(held.slot, elapsed=elapsed, answered=answered)

    def _unready(self, sid: str) -> Held | None:
        """Take ``sid`` out of the rows waiting for a slot (if it was there)."""
        held = self.ready.pop(sid, None)
        if held is not None:
            url = held.row.url or ""
            self._ready_urls[url] -= 1
            if not self._ready_urls[url]:
                del self._ready_urls[url]
        return held

    def unsent(self) -> list[Held]:
        return [held for held in self.held.values() if not held.sent]

    def endpoints(self, account_sid: str) -> list[dict[str, object]]:
        """The account's URLs with requests in flight or not healthy: their slots now."""
        urls = self.slots.urls
        return [
            {"url": redact_url(url), "in_flight": n, "slots": limit, "healthy": healthy}
            for url, n, limit, healthy in self._shares()
            if getattr(urls.get(url), "account", None) == account_sid
        ]

    def endpoint_gauges(self) -> list[tuple[str, int, int]]:
        """``/metrics``: each URL's requests in flight and its slots (kept while it is slow)."""
        return [(redact_url(url), n, limit) for url, n, limit, _ in self._shares()]

    def _shares(self) -> Sequence[tuple[str, int, int, bool]]:
        for _ in range(100):
            with contextlib.suppress(RuntimeError):  # a dict changed in another thread
                return shares(self.slots, time.monotonic())
        return []
