"""The delivery engine: hookline's :class:`~hookline.domain.events.EventSink`.

``before`` runs the pre-event gate; ``after`` writes the event and its outbox rows in the
caller's transaction; ``committed`` wakes the in-process worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import weakref
from collections.abc import Callable
from typing import Any

from hookline import metrics
from hookline.delivery import gate, outbox, retention, routing, streams
from hookline.delivery.egress import EgressPolicy
from hookline.delivery.faults import FaultSource
from hookline.delivery.results import GroupCommit, log_failure
from hookline.delivery.retry import RetryPolicy
from hookline.delivery.retry import parse as parse_retry
from hookline.delivery.thread import WorkerThread
from hookline.delivery.transport import AiohttpTransport, Transport
from hookline.delivery.worker import Worker, report_death
from hookline.domain import faults, timers_runner
from hookline.domain import streams as stream_routing
from hookline.domain.events import Event
from hookline.domain.runtime import Runtime
from hookline.domain.streams import SinkDelivery
from hookline.settings import Settings
from hookline.store import Tx, in_memory
from hookline.types import Params

log = logging.getLogger("hookline.delivery")


def retry_policy(spec: str) -> RetryPolicy:
    """The ``--retry-policy`` named by ``spec``; ``twilio`` follows each URL's ``#rc``/``#rp``
    (:class:`~hookline.delivery.retry.TwilioRetryPolicy`). Raises ValueError."""
    return parse_retry(spec)


#: What ``gates`` found for the action running in this task: ``before`` uses it instead of
#: reading the configuration again (a context variable: each request is its own task).
_gate_target: contextvars.ContextVar[tuple[tuple[str | None, ...], routing.Target | None] | None]
_gate_target = contextvars.ContextVar("hookline_gate_target", default=None)


#: Pre-event log entries of the action running in this task, for its transaction.
_gate_logs: contextvars.ContextVar[list[gate.GateLog] | None]
_gate_logs = contextvars.ContextVar("hookline_gate_logs", default=None)


def _gate_key(event: Event) -> tuple[str | None, ...]:
    return (event.name, event.account_sid, event.chat_service_sid, event.conversation_sid)


class DeliveryEngine:
    def __init__(self, rt: Runtime, settings: Settings, transport: Transport | None = None) -> None:
        self.rt = rt
        self.settings = settings
        self.transport = transport or self._new_transport()
        self.worker = self._new_worker(rt, self.transport)
        #: ``serve``'s worker runs on a thread of its own (``start(own_thread=True)``).
        self._thread: WorkerThread | None = None
        #: Transactions that queued deliveries: only their commits wake the worker (a wake
        #: costs a claim query; most actions without webhooks queue nothing).
        self._queued: weakref.WeakSet[Tx] = weakref.WeakSet()
        #: Each transaction's open Event Streams batches: sink SID → its outbox row.
        self._batches: weakref.WeakKeyDictionary[Tx, dict[str, dict[str, Any]]]
        self._batches = weakref.WeakKeyDictionary()
        #: The pre-event log, written off the request path (``gate``).
        self.gate_log = GroupCommit(rt, gate.write_logs)
        self._background: list[asyncio.Task[None]] = []
        self._worker_task: asyncio.Task[None] | None = None
        #: Wakes the worker that delivers this process's rows (another process's under
        #: ``serve --workers``: see ``wake_elsewhere``).
        self._wake: Callable[[], None] = self.worker.wake

    async def before(self, event: Event) -> Params:
        target: routing.Target | routing.Unknown | None = routing.UNKNOWN
        found = _gate_target.get()
        if found is not None and found[0] == _gate_key(event):
            target = found[1]  # read by ``gates`` in the action's transaction just now
        _gate_target.set(None)
        return await gate.run(
            self.rt, self.transport, event, self.settings.pre_event_timeout, self._keep, target
        )

    def _keep(self, entry: gate.GateLog, action_follows: bool) -> None:
        if action_follows:
            kept = _gate_logs.get()
            if kept is None:
                kept = []
                _gate_logs.set(kept)
            kept.append(entry)  # written by ``begin``, in the action's transaction
        else:
            self._write_later([entry])

    def _write_later(self, entries: list[gate.GateLog]) -> None:
        for entry in entries:
            written = self.gate_log.submit(entry)
            written.add_done_callback(log_failure(f"the {entry.event.name} pre-event log"))

    async def begin(self, tx: Tx) -> list[object]:
        kept = _gate_logs.get()
        if not kept:
            return []
        _gate_logs.set(None)
        await gate.write_logs(tx, kept)
        return list(kept)

    def rolled_back(self, written: list[object]) -> None:
        self._write_later([entry for entry in written if isinstance(entry, gate.GateLog)])

    def finished(self) -> None:
        kept = _gate_logs.get()
        if kept:
            _gate_logs.set(None)
            self._write_later(kept)

    async def gates(self, tx: Tx, event: Event) -> bool:
        target = await routing.pre_event_target(tx, event)
        _gate_target.set((_gate_key(event), target))
        return target is not None

    async def settled(self) -> None:
        await self.gate_log.settled()

    async def after(self, tx: Tx, event: Event) -> None:
        event_sid = self.rt.sids.new("EV")
        happened = self.rt.now_iso()
        await outbox.record_event(tx, event, event_sid, happened)
        sinks = await stream_routing.route(tx, event, event_id=event_sid, time=happened)
        await self.queue_stream(tx, sinks, event_sid)
        rows = []
        for target in await routing.post_event_targets(tx, event):
            rows.append(
                outbox.delivery_row(
                    self.rt,
                    event,
                    event_sid,
                    kind=target.kind,
                    url=target.url,
                    method=target.method,
                    webhook_sid=target.webhook_sid,
                    status="undeliverable" if target.undeliverable else "pending",
                    error=target.undeliverable,
                )
            )
            if target.undeliverable:
                metrics.count_delivery("undeliverable")
                log.warning(
                    "%s for %s is undeliverable: %s",
                    event.name,
                    event.conversation_sid,
                    target.undeliverable,
                )
        await outbox.write(tx, rows)
        if any(row["status"] == "pending" for row in rows):
            self._queued.add(tx)

    async def stream(self, tx: Tx, event: Event) -> None:
        """A post-event no webhook hears (REST without X-Twilio-Webhook-Enabled): only the
        Event Streams subscriptions that name it get it (and the log keeps it then)."""
        event_sid = self.rt.sids.new("EV")
        happened = self.rt.now_iso()
        sinks = await stream_routing.route(tx, event, event_id=event_sid, time=happened)
        if sinks:
            await outbox.record_event(tx, event, event_sid, happened)
            await self.queue_stream(tx, sinks, event_sid)

    async def queue_stream(self, tx: Tx, deliveries: list[SinkDelivery], event_sid: str) -> None:
        """Queue sink deliveries in ``tx``. A batching sink gets one request per action: an
        event for a sink that already has a batch in this transaction joins that batch."""
        open_batches = self._batches.setdefault(tx, {})
        rows = []
        for delivery in deliveries:
            batch = open_batches.get(delivery.sink_sid) if delivery.batch else None
            if batch is not None:
                batch["params"]["cloudevents"].extend(delivery.events)
                await tx.set_delivery_params(batch["sid"], batch["params"])
                continue
            new = streams.rows(self.rt, [delivery], event_sid)
            if delivery.batch:
                open_batches[delivery.sink_sid] = new[0]
            rows.extend(new)
        await outbox.write(tx, rows)
        if rows:
            self._queued.add(tx)

    def committed(self, tx: Tx | None = None) -> None:
        if tx is None:
            self._wake()
        elif tx in self._queued:
            self._queued.discard(tx)
            self._wake()

    def _new_worker(self, rt: Runtime, transport: Transport) -> Worker:
        settings = self.settings
        return Worker(
            rt,
            transport,
            retry_policy(settings.retry_policy),
            per_endpoint=settings.per_endpoint_concurrency,
            faults=FaultSource(faults.parse(settings.faults)),
            stop_grace=settings.shutdown_timeout,
        )

    def _new_transport(self) -> AiohttpTransport:
        egress = EgressPolicy(self.settings.egress)
        return AiohttpTransport(egress=egress, allow_metadata=self.settings.allow_metadata)

    def _threaded_worker(self, rt: Runtime) -> Worker:
        """The worker thread's own: its HTTP client belongs to that thread's loop."""
        return self._new_worker(rt, self._new_transport())

    def wake_worker(self) -> None:
        """Tell the worker that delivers this process's rows (from any thread)."""
        self._wake()

    def wake_elsewhere(self, wake: Callable[[], None]) -> None:
        """This process runs no worker: committed deliveries call ``wake`` instead (it
        wakes the process that delivers, hookline/delivery/leader.py)."""
        self._wake = wake

    async def start(self, *, run_worker: bool = True, own_thread: bool = False) -> None:
        """Start the timers, retention and (``run_worker``) the worker: in this event loop,
        or (``own_thread``, on a database other processes can share) on a thread of its
        own (:mod:`hookline.delivery.thread`)."""
        if run_worker and own_thread and not in_memory(self.settings.database_url):
            self._thread = WorkerThread(self.rt, self.settings.database_url, self._threaded_worker)
            self.worker = await self._thread.start()
            self._wake = self._thread.wake
        elif run_worker:
            self._worker_task = asyncio.create_task(self.worker.run())
            self._worker_task.add_done_callback(report_death)
            self._background.append(self._worker_task)
        self._background.append(asyncio.create_task(timers_runner.run(self.rt)))
        self._background.append(
            asyncio.create_task(retention.run(self.rt, self.settings.retention_days))
        )

    def endpoints(self, account_sid: str) -> list[dict[str, object]] | None:
        """This process's worker's view of the account's receiver URLs (None: no worker
        here, e.g. ``serve --no-worker``)."""
        if self._worker_task is None and self._thread is None:
            return None
        return self.worker.endpoints(account_sid)

    def worker_state(self) -> str:
        """``alive``, ``dead`` (its task ended: nothing is delivered), ``disabled`` or
        ``elsewhere`` (another process of this ``serve --workers`` delivers)."""
        if self._thread is not None:
            return "alive" if self._thread.alive else "dead"
        if self._worker_task is None:
            return "disabled" if self._wake == self.worker.wake else "elsewhere"
        return "dead" if self._worker_task.done() else "alive"

    async def stop(self) -> None:
        if self._thread is not None:
            await self._thread.stop()
        else:
            await self.worker.stop()
        await self.gate_log.settled()
        for task in self._background:
            task.cancel()
            # A task that died has been reported (_report_death): stopping goes on.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.transport.close()
