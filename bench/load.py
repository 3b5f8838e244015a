"""A plain aiohttp client in a process of its own: ``python -m bench.load SPEC_JSON``.

It POSTs exactly the bodies in ``bodies_file`` (one urlencoded body a line; body N to
``urls[N % len(urls)]``, so fills of several conversations interleave) with ``concurrency``
workers and prints one JSON line: requests, errors, status counts,
throughput and latency percentiles. Two uses: filling hookline's outbox through the API
(exactly N messages), and the delivery baselines (the bodies hookline delivered, sent by a
bare client at hookline's per-endpoint concurrency). :func:`run` starts it and returns that
summary with the client's own CPU time.

With ``sign_with`` (an Auth Token) the client does what issue 16 calls "a bare aiohttp
client that signs and posts the same requests", the way a user would write one: each body
is read into its parameters before the clock starts; per request it computes Twilio's
``X-Twilio-Signature`` (HMAC-SHA1 of the URL and the sorted name+value pairs), sends the
headers hookline sends, and lets aiohttp encode the form (``data=params``). Without it,
the client posts the recorded bytes as they are: no signing and no encoding, the cheaper
baseline issue 10 measured against.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp

from bench.server import bench_env, pinned
from bench.stats import summarize
from hookline.delivery.headers import webhook_headers


@dataclass
class LoadSpec:
    urls: list[str]
    concurrency: int
    bodies_file: str
    headers: dict[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    #: Hard stop, seconds.
    time_limit: float = 900.0
    #: Sign each request with this Auth Token (and encode its form) instead of posting
    #: the recorded bytes.
    sign_with: str = ""


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's request signature, as its docs give it (and as a user writes it)."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _signed(auth_token: str, url: str, params: dict[str, str]) -> dict[str, str]:
    """The headers of a webhook request hookline sends, freshly signed (the list is
    hookline's own; the Content-Type is aiohttp's, as it encodes the form)."""
    signature = twilio_signature(auth_token, url, params)
    return dict(webhook_headers(signature, uuid.uuid4().hex, content_type=None))


async def generate(spec: LoadSpec) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **spec.headers}
    if spec.auth:
        headers["Authorization"] = basic_auth(*spec.auth)
    bodies: list[Any] = Path(spec.bodies_file).read_bytes().splitlines()
    if spec.sign_with:
        bodies = [dict(parse_qsl(body.decode(), keep_blank_values=True)) for body in bodies]
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
            sent_headers = headers
            if spec.sign_with:
                sent_headers = {**spec.headers, **_signed(spec.sign_with, url, data)}
            try:
                async with session.post(url, data=data, headers=sent_headers) as response:
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
