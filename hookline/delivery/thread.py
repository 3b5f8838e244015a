"""``serve``'s delivery worker on a thread of its own, with its own event loop, database
connections and HTTP client.

In the API's event loop, every step of a delivery (send, read the answer, record it)
waited behind every open API request's steps: under load a delivery spent tens of
milliseconds waiting for a fraction of a millisecond of work, and post-events piled up
until the load ended (about 1,300 of 21,000 delivered during a 15 s load at full speed).
On its own thread the worker's loop turns as fast as its own work allows, and the two
threads take the interpreter in turns (handed over at least every
:data:`SWITCH_INTERVAL` when both want it): the worker gets a share of the
core under any load, and all of what the API leaves.

Only ``wake`` and ``stop`` cross threads, through the loop's thread-safe calls; reading
the worker's slots for ``/metrics`` and the inspector copies them (``Holdings``).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable

from hookline.delivery.worker import Worker, report_death
from hookline.domain.runtime import Runtime
from hookline.store import open_store

#: How long a thread that wants the interpreter waits for the other to hand it over
#: (Python's default is 5 ms). Every SQLite statement and log write of the API thread
#: lets the worker's thread in, and the API thread then waits for it to come back.
#: Measured with a full API load (wrk, 32 connections, webhooks on): the same on a quiet
#: machine (712 vs 743 requests/s); with a test suite running beside it, 480 at 5 ms and
#: 620 at 0.2 ms.
SWITCH_INTERVAL = 0.0005
#: The worker's own PostgreSQL connections: one transaction at a time, plus the lease
#: heartbeat and account reads.
WORKER_CONNECTIONS = 4


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's when installed (as ``uvicorn[standard]`` installs it), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class WorkerThread:
    def __init__(self, rt: Runtime, database_url: str, build: Callable[[Runtime], Worker]) -> None:
        #: The API's runtime: the worker shares its clock (``--manual-clock``) and SIDs.
        self._api_rt = rt
        self._database_url = database_url
        self._build = build
        self.worker: Worker | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._run: asyncio.Task[None] | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._wake_queued = False
        #: Set from the API's thread (``stop``), waited for in the worker's.
        self._stop_requested = asyncio.Event()
        self._thread = threading.Thread(target=self._main, name="hookline-delivery", daemon=True)

    async def start(self) -> Worker:
        """Start the thread; its worker once it runs (a failure to open the database is
        raised here)."""
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._thread.start()
        await asyncio.to_thread(self._ready.wait)
        if self._error is not None:
            raise self._error
        assert self.worker is not None
        return self.worker

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and self._run is not None and not self._run.done()

    def wake(self) -> None:
        """From any thread: new rows are committed. Wakes queued meanwhile make one."""
        loop, worker = self._loop, self.worker
        if loop is None or self._wake_queued or (worker is not None and worker.claim_scheduled):
            return
        self._wake_queued = True
        with contextlib.suppress(RuntimeError):  # the loop closed: the worker has stopped
            loop.call_soon_threadsafe(self._woken)

    def _woken(self) -> None:
        self._wake_queued = False  # before waking: a commit after this queues another
        if self.worker is not None:
            self.worker.wake()

    async def stop(self) -> None:
        """Stop the worker (as ``Worker.stop`` does) and wait for the thread to end: its
        loop stops the worker, then closes its HTTP client and database."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed: nothing to stop
                loop.call_soon_threadsafe(self._stop_requested.set)
        await asyncio.to_thread(self._thread.join)

    def _main(self) -> None:
        loop = new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            self._loop = None
            loop.close()
            self._ready.set()  # (a failed start: ``start`` is waiting)

    async def _serve(self) -> None:
        try:
            store = await open_store(
                self._database_url, migrate=False, connections=WORKER_CONNECTIONS
            )
            rt = Runtime(store=store, clock=self._api_rt.clock, sids=self._api_rt.sids)
            worker = self.worker = self._build(rt)
        except BaseException as exc:
            self._error = exc
            return
        self._run = asyncio.create_task(worker.run())
        self._run.add_done_callback(report_death)
        self._ready.set()
        try:
            # Until ``stop``: a worker that died stays dead (health says so) until then.
            await self._stop_requested.wait()
            await worker.stop()
            await asyncio.wait({self._run})
        finally:
            await worker.transport.close()
            await store.close()
