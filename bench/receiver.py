"""A webhook receiver in its own process: ``python -m bench.receiver --port P --mode ok|hang``.

``ok`` reads the request and answers 200 at once (empty body: a pre-event allows unchanged).
``hang`` accepts the request and never answers (until ``--hang-seconds``, bounded).
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

from aiohttp import web


@dataclass
class Counts:
    count: int = 0
    received_bytes: int = 0
    first: float | None = None
    last: float | None = None
    in_flight: int = 0
    recorded: list[bytes] = field(default_factory=list)

    def seen(self, size: int) -> None:
        now = time.time()
        self.count += 1
        self.received_bytes += size
        if self.first is None:
            self.first = now
        self.last = now


def make_app(mode: str, hang_seconds: float, record: Path | None = None) -> web.Application:
    counts = Counts()

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        if mode == "hang":
            counts.seen(len(body))
            counts.in_flight += 1
            try:
                await asyncio.sleep(hang_seconds)
            finally:
                counts.in_flight -= 1
            return web.Response(status=504)
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
                "now": time.time(),
            }
        )

    async def reset(request: web.Request) -> web.Response:
        counts.count, counts.received_bytes, counts.first, counts.last = 0, 0, None, None
        counts.recorded.clear()
        return web.json_response({"ok": True})

    async def dump(request: web.Request) -> web.Response:
        if record is None:
            raise web.HTTPNotFound()
        record.write_bytes(b"".join(body + b"\n" for body in counts.recorded))
        return web.json_response({"bodies": len(counts.recorded), "path": str(record)})

    app = web.Application(client_max_size=1024 * 1024)
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
    args = parser.parse_args()
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    app = make_app(args.mode, args.hang_seconds, args.record)
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
