"""Prometheus metrics (``GET /metrics``), kept cheap on the hot path.

Requests and deliveries only increment counters (labelled children cached in dicts, so a
request does no label lookup); the outbox backlog is counted by the store when scraped.
Metrics are per process: scrape every ``serve`` and ``worker`` you run.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from typing import Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# ``…_created`` timestamps double the output for nothing a dashboard uses.
disable_created_metrics()  # type: ignore[no-untyped-call]
HTTP_REQUESTS = Counter(
    "hookline_http_requests", "HTTP requests served, by method and status.", ["method", "status"]
)
DELIVERIES = Counter(
    "hookline_deliveries",
    "Post-event delivery attempts by outcome: delivered, failed (given up), retrying "
    "(another attempt is scheduled), undeliverable (no URL, or nothing to send).",
    ["outcome"],
)
DELIVERY_SECONDS = Histogram(
    "hookline_delivery_seconds", "Time of one post-event delivery attempt (request to answer)."
)
PRE_EVENT_SECONDS = Histogram(
    "hookline_pre_event_seconds", "Time of one pre-event webhook call (request to answer)."
)
OUTBOX_PENDING = Gauge(
    "hookline_outbox_pending", "Deliveries waiting to be sent or being sent (all accounts)."
)
DATABASE_UP = Gauge(
    "hookline_database_up",
    "1 when the database answered this scrape, 0 when it could not be reached.",
)
OUTCOMES = ("delivered", "failed", "retrying", "undeliverable")


class EndpointSource(Protocol):
    def endpoint_gauges(self) -> Iterable[tuple[str, int, int]]:
        """``(url, requests in flight, slots)`` of the URLs to show."""


class _Endpoints(Collector):
    """``hookline_endpoint_inflight{url}`` and ``hookline_endpoint_slots{url}``, read from
    the workers when scraped: a delivery updates nothing (two labelled gauges set per
    request start and end cost more than signing it)."""

    def __init__(self) -> None:
        self.sources: weakref.WeakSet[EndpointSource] = weakref.WeakSet()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        in_flight = GaugeMetricFamily(
            "hookline_endpoint_inflight",
            "Post-event requests in flight per receiver URL (this process; shown while the "
            "URL has requests out, or while it is slow).",
            labels=["url"],
        )
        slots = GaugeMetricFamily(
            "hookline_endpoint_slots",
            "How many requests a receiver URL may have in flight at once (adaptive: halved "
            "when a request gets no answer, one more per answer; see docs/delivery.md).",
            labels=["url"],
        )
        for source in list(self.sources):
            for url, n, limit in source.endpoint_gauges():
                in_flight.add_metric([url], n)
                slots.add_metric([url], limit)
        yield in_flight
        yield slots


_endpoint_collector = _Endpoints()
REGISTRY.register(_endpoint_collector)


def watch_endpoints(source: EndpointSource) -> None:
    """Show ``source``'s receiver URLs in ``/metrics`` while it lives."""
    _endpoint_collector.sources.add(source)


_requests: dict[tuple[str, int], Counter] = {}
_outcomes = {outcome: DELIVERIES.labels(outcome) for outcome in OUTCOMES}


def count_request(method: str, status: int) -> None:
    child = _requests.get((method, status))
    if child is None:
        child = _requests[(method, status)] = HTTP_REQUESTS.labels(method, str(status))
    child.inc()


def count_delivery(outcome: str) -> None:
    """``outcome`` is one of :data:`OUTCOMES`."""
    _outcomes[outcome].inc()


def delivery_outcome(status: str) -> str:
    """A finished attempt's delivery status as a metric outcome (``pending`` → retrying)."""
    return "retrying" if status == "pending" else status


def exposition(pending: int | None) -> tuple[bytes, str]:
    """The text exposition and its content type, with the backlog counted just now
    (``None``: the database did not answer, ``hookline_database_up`` is 0)."""
    DATABASE_UP.set(0 if pending is None else 1)
    if pending is not None:
        OUTBOX_PENDING.set(pending)
    return generate_latest(), CONTENT_TYPE_LATEST


def serve_in_thread(host: str, port: int) -> None:
    """A ``hookline worker`` has no HTTP server: prometheus-client's own, in a thread.
    (``hookline_outbox_pending`` and ``hookline_database_up`` are left out there: a worker
    does not ask the database at scrape time; ``serve``'s ``/metrics`` has them.)"""
    REGISTRY.unregister(OUTBOX_PENDING)  # never set in a worker: 0 would mislead
    REGISTRY.unregister(DATABASE_UP)
    start_http_server(port, addr=host)


class RequestMetrics:
    """ASGI middleware counting every HTTP response by method and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # unless a response starts: an unhandled error is answered 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            count_request(scope["method"], status)
