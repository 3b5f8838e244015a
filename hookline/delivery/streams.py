"""Event Streams on the outbox: the rows a sink delivery queues, and the request one sends.

A sink's events go through the same outbox as webhooks (``target`` ``sink``,
``webhook_sid`` the sink's SID, so one sink's backlog never holds up another's), with
their own rules (docs/twilio-behaviour.md, "Event Streams"):

- The body is JSON: an array of CloudEvents when the sink batches (``batch_events``, the
  default: the events of one action, see ``DeliveryEngine.queue_stream``), else one
  CloudEvent per request. ``Content-Type: application/json``.
- Signing: Twilio's JSON-body scheme, which ``twilio.request_validator.RequestValidator``
  checks: the SHA-256 of the body (hex) is added to the URL as the ``bodySHA256`` query
  parameter, and ``X-Twilio-Signature`` is the HMAC-SHA1 (Auth Token) of that full URL
  with no parameters appended.
- Connection overrides (``#rc=…``) are not supported by Event Streams: the destination is
  sent as configured, fragment removed; an answer must come within 5 seconds.
- Retries: every retryable failure (5xx, 429, 408, timeouts, connection failures) is
  tried again with backoff until the event is :data:`QUEUE_HOURS` hours old, whatever
  ``--retry-policy`` says (that one is the Conversations webhooks').
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from hookline.delivery import headers as wire
from hookline.delivery.outbox import endpoint_of
from hookline.delivery.overrides import DEFAULTS, ConnectionOverrides
from hookline.delivery.retry import DURABLE_CLASSES, RetryDecision, RetryPolicy, should_retry
from hookline.delivery.signature import sign, strip_fragment, wire_url
from hookline.delivery.states import ErrorKind
from hookline.delivery.transport import OutboundRequest
from hookline.domain.runtime import Runtime
from hookline.domain.streams import SinkDelivery

TARGET = "sink"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
#: Twilio: "Events will be queued for a maximum of 4 hours."
QUEUE_HOURS = 4
#: Twilio: "The maximum timeout for a webhook Sink response is 5 seconds."
TIMEOUT_SECONDS = 5.0
#: Event Streams has no connection overrides: every sink request uses the defaults.
NO_OVERRIDES = DEFAULTS


def rows(rt: Runtime, deliveries: list[SinkDelivery], event_sid: str) -> list[dict[str, Any]]:
    """Outbox rows for ``deliveries``: one per batch, or one per event when not batching."""
    found = []
    for delivery in deliveries:
        bodies: list[list[dict[str, Any]]]
        if delivery.batch:
            bodies = [list(delivery.events)]
        else:
            bodies = [[event] for event in delivery.events]
        for events in bodies:
            found.append(_row(rt, delivery, events, event_sid))
    return found


def _row(
    rt: Runtime, delivery: SinkDelivery, events: list[dict[str, Any]], event_sid: str
) -> dict[str, Any]:
    now = rt.now_ts()
    return {
        "sid": rt.sids.new("DL"),
        "account_sid": delivery.account_sid,
        "event_sid": event_sid,
        "event_type": delivery.type,
        "conversation_sid": delivery.conversation_sid,
        "target": TARGET,
        "webhook_sid": delivery.sink_sid,
        "url": delivery.destination,
        "endpoint": endpoint_of(delivery.destination),
        "method": delivery.method,
        "params": {"cloudevents": events, "batch": delivery.batch},
        "idempotency_token": uuid.uuid4().hex,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "created_at": now,
        "updated_at": now,
    }


def body_of(params: dict[str, Any]) -> bytes:
    """The JSON body of a sink row: the array (batch) or the one CloudEvent."""
    events = params["cloudevents"]
    payload = events if params.get("batch", True) else events[0]
    return orjson.dumps(payload)


def signed_url(destination: str, body: bytes) -> str:
    """``destination`` with ``bodySHA256=<hex SHA-256 of body>`` added to its query."""
    digest = hashlib.sha256(body).hexdigest()
    return wire.url_with_query(wire_url(strip_fragment(destination)), {"bodySHA256": digest})


def request(
    destination: str, method: str, params: dict[str, Any], auth_token: str, token: str
) -> OutboundRequest:
    """The signed request one sink row sends."""
    body = body_of(params)
    url = signed_url(destination, body)
    signature = sign(url, None, auth_token)
    headers = wire.webhook_headers(signature, token, JSON_CONTENT_TYPE)
    return OutboundRequest(
        method=method.upper(),
        url=url,
        headers=tuple(headers),
        body=body,
        connect_timeout=TIMEOUT_SECONDS,
        read_timeout=TIMEOUT_SECONDS,
        total_timeout=TIMEOUT_SECONDS,
    )


@dataclass(frozen=True)
class SinkRetryPolicy(RetryPolicy):
    """Backoff from 5 s doubling to 5 min, ±20 %, until ``deadline`` (the row's creation
    plus :data:`QUEUE_HOURS`); ``now`` is when the attempt was prepared."""

    max_attempts: int = 1_000_000
    base: float = 5.0
    factor: float = 2.0
    cap: float = 300.0
    deadline: float = 0.0
    now: float = 0.0

    def decide(
        self,
        *,
        attempt: int,
        status: int | None,
        error_kind: ErrorKind | None = None,
        retry_after: float | None = None,
        overrides: ConnectionOverrides | None = None,
        rng: Any = None,
    ) -> RetryDecision:
        if not should_retry(status, error_kind, DURABLE_CLASSES):
            return RetryDecision.give_up("not retryable")
        delay = self.next_delay(attempt, retry_after, rng)
        if self.now + delay > self.deadline:
            return RetryDecision.give_up("past the 4 hours a sink's event is kept")
        return RetryDecision(True, delay, "scheduled")


def retry_policy(created_at: float, now: float) -> SinkRetryPolicy:
    return SinkRetryPolicy(deadline=created_at + QUEUE_HOURS * 3600, now=now)
