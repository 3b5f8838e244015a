"""A plain aiohttp client in a process of its own: ``python -m bench.load SPEC_JSON``.

It POSTs exactly the bodies in ``bodies_file`` (one urlencoded body a line; body N to
``urls[N % len(urls)]``, so fills of several conversations interleave) with ``concurrency``
workers and prints one JSON line: requests, errors, status counts,
throughput and latency percentiles. Two uses: filling hookline's outbox through the API
(exactly N messages), and the delivery baseline (the bodies hookline delivered, sent by a
bare client at hookline's per-endpoint concurrency). :func:`run` starts it and returns that
summary with the client's own CPU time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.server import bench_env, pinned
from bench.stats import summarize


@dataclass
class LoadSpec:
    urls: list[str]
    concurrency: int
    bodies_file: str
    headers: dict[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    #: Hard stop, seconds.
    time_limit: float = 900.0


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def generate(spec: LoadSpec) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **spec.headers}
    if spec.auth:
        headers["Authorization"] = basic_auth(*spec.auth)
    bodies = Path(spec.bodies_file).read_bytes().splitlines()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    pending = iter(enumerate(bodies))
    start = time.perf_counter()
    end = start + spec.time_limit
    connector = aiohttp.TCPConnector(limit=spec.concurrency)
    timeout = aiohttp.ClientTimeout(total=60)

    async def worker(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < end and (item := next(pending, None)) is not None:
            number, data = item
            url = spec.urls[number % len(spec.urls)]
            began = time.perf_counter()
            try:
                async with session.post(url, data=data, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                statuses[type(exc).__name__] += 1
                continue
            statuses[str(status)] += 1
            if 200 <= status < 300:
                latencies.append((time.perf_counter() - began) * 1000)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(spec.concurrency)))
    elapsed = time.perf_counter() - start
    ok = len(latencies)
    return {
        "requests": sum(statuses.values()),
        "ok": ok,
        "errors": sum(statuses.values()) - ok,
        "statuses": dict(statuses),
        "elapsed_s": round(elapsed, 4),
        "throughput_rps": round(ok / elapsed, 2) if elapsed > 0 else 0.0,
        "concurrency": spec.concurrency,
        **summarize(latencies),
    }


def run(spec: LoadSpec, timeout: float | None = None, pin: str | None = None) -> dict[str, Any]:
    """Run the client in a child process; its summary plus ``client_cpu_s``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        pinned([sys.executable, "-m", "bench.load", json.dumps(asdict(spec))], pin),
        capture_output=True,
        timeout=timeout or spec.time_limit + 60,
        env=os.environ | bench_env(),
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise RuntimeError(f"load client failed:\n{completed.stderr.decode()[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.decode().strip().splitlines()[-1])
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result["client_cpu_s"] = round(cpu, 3)
    return result


def main() -> None:
    raw = json.loads(sys.argv[1])
    if raw.get("auth"):
        raw["auth"] = tuple(raw["auth"])
    print(json.dumps(asyncio.run(generate(LoadSpec(**raw)))))


if __name__ == "__main__":
    main()
