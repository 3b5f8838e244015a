"""Constant-rate load (open loop): POST a message every ``1/rate`` seconds, whatever the
answers, and keep when each message's 201 came back.

wrk is closed-loop (a new request when one ends), which hides queueing: a slow server
just gets fewer requests. Lag under load is about a steady stream of users, so requests
here start on a fixed schedule; one that starts more than :data:`LATE_S` after its slot
counts as late (the client itself could not keep up: the run is then no result).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench import api
from bench.load import basic_auth

LATE_S = 0.05


@dataclass
class Paced:
    rate: float
    sent: int = 0
    late: int = 0
    #: MessageSid -> wall-clock time its 201 arrived.
    created: dict[str, float] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        return self.sent - len(self.created)

    def summary(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "sent": self.sent,
            "created": len(self.created),
            "errors": self.errors,
            "late_starts": self.late,
            "statuses": dict(self.statuses),
        }


async def _run(base_url: str, paths: list[str], rate: float, seconds: float) -> Paced:
    out = Paced(rate)
    headers = {"Authorization": basic_auth(*api.AUTH), "X-Twilio-Webhook-Enabled": "true"}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def post(number: int) -> None:
            path = paths[number % len(paths)]
            try:
                async with session.post(
                    base_url + path, data={"Body": f"paced {number}"}, headers=headers
                ) as response:
                    body = await response.json(content_type=None)
                    at = time.time()
                    out.statuses[str(response.status)] += 1
                    if response.status == 201:
                        out.created[str(body["sid"])] = at
            except Exception as exc:  # every failure is counted, none stops the run
                out.statuses[type(exc).__name__] += 1

        loop = asyncio.get_running_loop()
        start = loop.time()
        tasks = []
        for number in range(max(1, int(rate * seconds))):
            slot = start + number / rate
            delay = slot - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif -delay > LATE_S:
                out.late += 1
            out.sent += 1
            tasks.append(asyncio.create_task(post(number)))
        await asyncio.gather(*tasks)
    return out


def post_at_rate(base_url: str, paths: list[str], rate: float, seconds: float) -> Paced:
    """Messages at ``paths`` (round robin), ``rate`` per second for ``seconds``."""
    return asyncio.run(_run(base_url, paths, rate, seconds))


def arrivals(receiver_url: str) -> dict[str, float]:
    """``"<sid> <path?query>" -> time`` from a receiver started with ``arrivals=True``."""
    found: dict[str, float] = api.call(receiver_url, "/arrivals", auth=False)["arrivals"]
    return found


def repeats(receiver_url: str) -> dict[str, float]:
    """``"<sid> <path?query>" -> time`` of the last repeated arrival (same key again)."""
    found: dict[str, float] = api.call(receiver_url, "/arrivals", auth=False)["repeats"]
    return found


def wait_for_arrivals(
    receiver_url: str, wanted: int, timeout: float, match: str = ""
) -> dict[str, float]:
    """Arrivals (those whose key contains ``match``), once there are ``wanted`` of them
    or ``timeout`` seconds passed (the caller counts what is missing)."""
    deadline = time.monotonic() + timeout
    while True:
        found = {key: at for key, at in arrivals(receiver_url).items() if match in key}
        if len(found) >= wanted or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def wait_for_all(
    receiver_url: str, created: dict[str, float], paths: tuple[str, ...], timeout: float
) -> dict[str, float]:
    """Arrivals, once every created message has reached every one of ``paths`` or
    ``timeout`` seconds passed (the caller counts what is missing)."""
    wanted = [f"{sid} {path}" for sid in created for path in paths]
    deadline = time.monotonic() + timeout
    while True:
        found = arrivals(receiver_url)
        if all(key in found for key in wanted) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def lags_ms(created: dict[str, float], arrived: dict[str, float], *paths: str) -> list[float]:
    """Per created message, its last arrival at ``paths`` minus its 201, in ms; a message
    missing at any of them is left out (the caller counts those)."""
    out = []
    for sid, at in created.items():
        seen = [arrived.get(f"{sid} {path}") for path in paths]
        if all(s is not None for s in seen):
            out.append((max(s for s in seen if s is not None) - at) * 1000)
    return out


def wait_for_resends(
    receiver_url: str, before_kill: float, settle: float = 20.0, timeout: float = 60.0
) -> dict[str, float]:
    """Repeats seen so far, once none has come for ``settle`` seconds after the lease
    could have run out (or ``timeout`` passed): a takeover re-sends within one lease."""
    deadline = time.monotonic() + timeout
    while True:
        found = repeats(receiver_url)
        last = max(found.values(), default=before_kill)
        if time.time() - last > settle or time.monotonic() > deadline:
            return found
        time.sleep(0.5)
