"""A small time-bounded cache for rows that are read on every request and rarely change."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

#: Entries kept at most; past it the cache starts over (it only saves reads).
MAX_ENTRIES = 10_000


class TimedCache:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[float, Any]] = {}

    async def get(self, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        """The cached value for ``key``, else ``await load()`` (cached, even when None)."""
        now = self._clock()
        found = self._entries.get(key)
        if found is not None and found[0] > now:
            return found[1]
        value = await load()
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (now + self.ttl, value)
        return value

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)
