"""Group commit: writes that arrive while one is being committed go together in the next.

Every pre-event call that no action records adds an event, a delivery and an attempt.
Written one transaction each, the commits would cap throughput (SQLite has one writer; on
PostgreSQL each is several round trips). A :class:`GroupCommit` writes everything
submitted meanwhile in one transaction, off the request path: the action's answer does
not depend on the log; :meth:`GroupCommit.settled` lets readers of the log wait for it.
(Delivery outcomes are group-committed the same way by the worker, together with its next
claim: see :mod:`hookline.delivery.cycles`.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from hookline.domain.runtime import Runtime
from hookline.store import AttemptRow, DeliveryOutcome, Tx

log = logging.getLogger("hookline.delivery")

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(self, rt: Runtime, write: Callable[[Tx, list[T]], Awaitable[None]]) -> None:
        self.rt = rt
        self._write = write
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    def submit(self, item: T) -> asyncio.Future[None]:
        """Queue ``item``; the future is done once it is committed (or failed to be)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return done

    async def settled(self) -> None:
        """Wait until everything submitted so far is committed (or failed)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer})  # never raises: _drain keeps its errors

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self.rt.store.transaction() as tx:
                    await self._write(tx, [item for item, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


@dataclass(frozen=True)
class Outcome:
    """A finished attempt: its delivery row's new state and its attempt log entry."""

    delivery: DeliveryOutcome
    #: The attempt's log entry, or None when nothing was sent.
    attempt: AttemptRow | None


def log_failure(what: str) -> Callable[[asyncio.Future[None]], None]:
    """A done-callback for a write nobody waits for: its failure goes to the log."""

    def report(done: asyncio.Future[None]) -> None:
        if not done.cancelled() and done.exception() is not None:
            log.error("writing %s failed", what, exc_info=done.exception())

    return report
