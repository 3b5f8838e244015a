"""Turns one delivery (event parameters + target) into a signed request and sends it.

The signature is computed at send time over the exact URL sent (fragment removed); with GET
the parameters travel in the query string, the whole URL signed (docs/webhook-events.md §6.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hookline.delivery import headers as wire
from hookline.delivery import streams
from hookline.delivery.overrides import ConnectionOverrides, parse_url
from hookline.delivery.retry import RetryPolicy
from hookline.delivery.signature import sign
from hookline.delivery.transport import OutboundRequest, OutboundResponse, Transport
from hookline.store import DeliveryRow


@dataclass(frozen=True)
class Prepared:
    request: OutboundRequest
    overrides: ConnectionOverrides
    #: This delivery's own retry schedule (Event Streams sinks); None: the worker's.
    retry: RetryPolicy | None = None


def prepare_row(row: DeliveryRow, auth_token: str, attempt: int, now: float) -> Prepared:
    """The signed request attempt number ``attempt`` of outbox row ``row`` sends."""
    assert row.url is not None
    if row.target == streams.TARGET:
        request = streams.request(
            row.url, row.method, row.params, auth_token, row.idempotency_token
        )
        return Prepared(request, streams.NO_OVERRIDES, streams.retry_policy(row.created_at, now))
    params = dict(row.params) | {"RetryCount": str(attempt - 1)}
    return prepare(row.url, row.method, params, auth_token, row.idempotency_token)


def prepare(
    url: str,
    method: str,
    params: Mapping[str, str],
    auth_token: str,
    idempotency_token: str,
    *,
    max_total_seconds: float | None = None,
) -> Prepared:
    target, overrides = parse_url(url)
    method = method.upper()
    if method == "GET":
        sent_url = wire.url_with_query(target, params)
        signature = sign(sent_url, None, auth_token)
        body = b""
        content_type = None
    else:
        sent_url = target
        signature = sign(sent_url, params, auth_token)
        body = wire.encode_form(params)
        content_type = "application/x-www-form-urlencoded"
    total = overrides.total_timeout_ms / 1000
    if max_total_seconds is not None:
        total = min(total, max_total_seconds)
    request = OutboundRequest(
        method=method,
        url=sent_url,
        headers=tuple(wire.webhook_headers(signature, idempotency_token, content_type)),
        body=body,
        connect_timeout=min(overrides.connect_timeout_ms / 1000, total),
        read_timeout=min(overrides.read_timeout_ms / 1000, total),
        total_timeout=total,
    )
    return Prepared(request, overrides)


async def send(transport: Transport, prepared: Prepared) -> OutboundResponse:
    return await transport.send(prepared.request)
