"""The load generator, a process of its own: ``python -m bench.load SPEC_JSON``.

Two shapes, both bounded in time and in request count:

- ``duration``: ``concurrency`` workers POST the same form for ``warmup + duration`` seconds;
  only requests that start after the warm-up are measured.
- ``count``: send exactly the bodies in ``bodies_file`` (one urlencoded body a line) with
  ``concurrency`` workers; this is the plain-aiohttp delivery baseline.

It prints one JSON line: requests, errors, status counts, throughput and latency
percentiles. :func:`run` starts it from the benchmark process and returns that summary.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench.server import bench_env
from bench.stats import summarize


@dataclass
class LoadSpec:
    url: str
    concurrency: int
    duration: float = 0.0
    warmup: float = 0.0
    form: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    bodies_file: str | None = None
    max_requests: int = 2_000_000
    #: Hard stop for ``count`` mode, seconds.
    time_limit: float = 900.0


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Recorder:
    def __init__(self, measure_from: float) -> None:
        self.measure_from = measure_from
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.errors = 0
        self.sent = 0
        #: Successful requests including the warm-up (what webhooks fired for).
        self.total_ok = 0
        self.first_start: float | None = None
        self.last_end: float | None = None

    def record(self, started: float, ended: float, status: str, ok: bool) -> None:
        if self.first_start is None:
            self.first_start = started
        self.last_end = ended
        self.total_ok += ok
        if started < self.measure_from:
            return
        self.statuses[status] += 1
        if ok:
            self.latencies.append((ended - started) * 1000)
        else:
            self.errors += 1


async def _one(
    session: aiohttp.ClientSession, spec: LoadSpec, data: bytes, headers: dict[str, str]
) -> tuple[str, bool]:
    try:
        async with session.post(spec.url, data=data, headers=headers) as response:
            await response.read()
            return str(response.status), 200 <= response.status < 300
    except (aiohttp.ClientError, TimeoutError) as exc:
        return type(exc).__name__, False


async def generate(spec: LoadSpec) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **spec.headers}
    if spec.auth:
        headers["Authorization"] = basic_auth(*spec.auth)
    body = urlencode(spec.form).encode()
    bodies: list[bytes] = []
    if spec.bodies_file:
        bodies = Path(spec.bodies_file).read_bytes().splitlines()
    start = time.perf_counter()
    recorder = Recorder(start + spec.warmup if not bodies else start)
    end = start + (spec.warmup + spec.duration if not bodies else spec.time_limit)
    next_body = iter(range(len(bodies)))
    connector = aiohttp.TCPConnector(limit=spec.concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)

    async def worker(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < end and recorder.sent < spec.max_requests:
            if bodies:
                index = next(next_body, None)
                if index is None:
                    return
                data = bodies[index]
            else:
                data = body
            recorder.sent += 1
            began = time.perf_counter()
            status, ok = await _one(session, spec, data, headers)
            recorder.record(began, time.perf_counter(), status, ok)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(spec.concurrency)))
    if bodies:
        elapsed = (recorder.last_end or start) - (recorder.first_start or start)
    else:
        elapsed = spec.duration
    ok_count = len(recorder.latencies)
    return {
        "requests": ok_count + recorder.errors,
        "ok": ok_count,
        "total_ok": recorder.total_ok,
        "errors": recorder.errors,
        "statuses": dict(recorder.statuses),
        "elapsed_s": round(elapsed, 4),
        "throughput_rps": round(ok_count / elapsed, 2) if elapsed > 0 else 0.0,
        "concurrency": spec.concurrency,
        **summarize(recorder.latencies),
    }


def run(spec: LoadSpec, timeout: float | None = None) -> dict[str, Any]:
    """Run the load generator in a child process and return its summary."""
    limit = timeout or (spec.warmup + spec.duration + 120 if not spec.bodies_file else 1000)
    completed = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(asdict(spec))],
        capture_output=True,
        timeout=limit,
        env=os.environ | bench_env(),
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{completed.stderr.decode()[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.decode().strip().splitlines()[-1])
    return result


def main() -> None:
    raw = json.loads(sys.argv[1])
    if raw.get("auth"):
        raw["auth"] = tuple(raw["auth"])
    spec = LoadSpec(**raw)
    print(json.dumps(asyncio.run(generate(spec))))


if __name__ == "__main__":
    main()
