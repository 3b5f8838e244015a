"""A webhook receiver in its own process: ``python -m bench.receiver --port P --mode ok|hang``.

``ok`` reads the request and answers 200 at once (empty body: a pre-event allows unchanged).
``hang`` accepts the request and never answers (until ``--hang-seconds``, bounded); in any
mode, so do paths under ``/hook/hang`` (hanging URLs on the same host:port as healthy ones).
With ``--arrivals``, the wall-clock time each ``MessageSid`` first reached each ``/hook/post…``
URL is kept for ``GET /arrivals`` as ``"<sid> <path?query>": time`` (the lag of a
post-event after its message's 201).
Every request to ``/hook…`` is counted; ``GET /stats`` reports the count and the wall-clock
times of the first and last request, ``POST /reset`` zeroes them. With ``--record FILE`` the
bodies received at ``/hook/post`` are kept and ``POST /dump`` writes them to FILE, one a line
(the delivery baseline sends exactly those bytes again).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_plus

from aiohttp import web


@dataclass
class Counts:
    count: int = 0
    received_bytes: int = 0
    first: float | None = None
    last: float | None = None
    in_flight: int = 0
    recorded: list[bytes] = field(default_factory=list)
    arrivals: dict[str, float] = field(default_factory=dict)
    repeats: dict[str, float] = field(default_factory=dict)
    hung: int = 0

    def seen(self, size: int) -> None:
        now = time.time()
        self.count += 1
        self.received_bytes += size
        if self.first is None:
            self.first = now
        self.last = now


def _message_sid(body: bytes) -> str | None:
    for pair in body.split(b"&"):
        if pair.startswith(b"MessageSid="):
            return unquote_plus(pair[len(b"MessageSid=") :].decode())
    return None


def make_app(
    mode: str,
    hang_seconds: float,
    record: Path | None = None,
    arrivals: bool = False,
    delay: float = 0.0,
) -> web.Application:
    counts = Counts()

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        if mode == "hang" or request.path.startswith("/hook/hang"):
            if mode != "hang":
                counts.hung += 1  # counted apart: ``count`` is the healthy requests
            else:
                counts.seen(len(body))
            counts.in_flight += 1
            try:
                await asyncio.sleep(hang_seconds)
            finally:
                counts.in_flight -= 1
            return web.Response(status=504)
        if arrivals and request.path.startswith("/hook/post"):
            sid = _message_sid(body)
            if sid is not None:
                # By message and path: one message may reach several hooks. The first
                # arrival is kept, and the last one apart (a re-send, e.g. a takeover).
                key, now = f"{sid} {request.path_qs}", time.time()
                if key in counts.arrivals:
                    counts.repeats[key] = now
                counts.arrivals.setdefault(key, now)
        if delay:
            await asyncio.sleep(delay)  # a receiver's own latency, as configured
        counts.seen(len(body))
        if record is not None and request.path == "/hook/post":
            counts.recorded.append(body)
        return web.Response(status=200)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "mode": mode,
                "count": counts.count,
                "bytes": counts.received_bytes,
                "first": counts.first,
                "last": counts.last,
                "in_flight": counts.in_flight,
                "hung": counts.hung,
                "now": time.time(),
            }
        )

    async def reset(request: web.Request) -> web.Response:
        counts.count, counts.received_bytes, counts.first, counts.last = 0, 0, None, None
        counts.hung = 0
        counts.recorded.clear()
        counts.arrivals.clear()
        counts.repeats.clear()
        return web.json_response({"ok": True})

    async def dump(request: web.Request) -> web.Response:
        if record is None:
            raise web.HTTPNotFound()
        record.write_bytes(b"".join(body + b"\n" for body in counts.recorded))
        return web.json_response({"bodies": len(counts.recorded), "path": str(record)})

    async def arrivals_of(request: web.Request) -> web.Response:
        return web.json_response({"arrivals": counts.arrivals, "repeats": counts.repeats})

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/arrivals", arrivals_of)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    app.router.add_post("/dump", dump)
    app.router.add_route("*", "/hook", hook)
    app.router.add_route("*", "/hook/{tail:.*}", hook)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=("ok", "hang"), default="ok")
    parser.add_argument("--hang-seconds", type=float, default=900.0)
    parser.add_argument("--record", type=Path, help="Keep /hook/post bodies for POST /dump.")
    parser.add_argument("--arrivals", action="store_true", help="Keep arrival times by sid.")
    parser.add_argument("--delay", type=float, default=0.0, help="Seconds before answering.")
    args = parser.parse_args()
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    app = make_app(args.mode, args.hang_seconds, args.record, args.arrivals, args.delay)
    web.run_app(
        app,
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
        backlog=1024,
        # A hanging handler must not hold up the end of a run.
        shutdown_timeout=0.5,
    )


if __name__ == "__main__":
    main()
