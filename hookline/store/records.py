"""The plain values :class:`~hookline.store.Tx` hands out and takes: no SQLAlchemy row or
statement ever leaves the store. (Resources travel as plain dicts, see ``Tx.insert``.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AccountRow:
    sid: str
    auth_token: str
    friendly_name: str
    default_service_sid: str | None
    date_created: str


@dataclass(frozen=True)
class ApiKeyRow:
    sid: str
    account_sid: str
    secret: str
    friendly_name: str


@dataclass(frozen=True)
class FlowRow:
    """A Studio flow SID mapped to the URL its trigger webhooks go to."""

    flow_sid: str
    url: str


@dataclass(frozen=True)
class EventRow:
    """One emitted event, as the event log keeps it; ``seq`` orders and pages the log."""

    seq: int
    sid: str
    account_sid: str
    chat_service_sid: str | None
    conversation_sid: str | None
    event_type: str
    source: str
    params: dict[str, Any]
    date_created: str


@dataclass(frozen=True)
class DeliveryRow:
    """One outbox row: an event going to one target, and where its attempts stand."""

    seq: int
    sid: str
    account_sid: str
    event_sid: str
    event_type: str
    conversation_sid: str | None
    target: str
    webhook_sid: str | None
    url: str | None
    endpoint: str | None
    method: str
    params: dict[str, Any]
    idempotency_token: str
    status: str
    attempts: int
    first_attempt: int
    next_attempt_at: float | None
    lease_owner: str | None
    lease_until: float | None
    last_status: int | None
    last_error: str | None
    created_at: float
    updated_at: float
    #: The account's fault-injection settings, read with the lease (``Tx.lease_deliveries``
    #: only; None elsewhere, or when the account has none).
    fault_doc: dict[str, Any] | None = None


@dataclass(frozen=True)
class Candidate:
    """A delivery a worker may lease (see ``Tx.claimable``)."""

    sid: str
    endpoint: str | None
    webhook_sid: str | None
    url: str | None = None


@dataclass(frozen=True)
class DeliveryOutcome:
    """How one attempt ended, written by ``Tx.finish_deliveries``."""

    sid: str
    #: The lease it was sent under: the outcome is dropped if the lease is no longer ours.
    lease_owner: str
    status: str
    attempts: int
    next_attempt_at: float | None
    last_status: int | None
    last_error: str | None
    updated_at: float


@dataclass(frozen=True)
class AttemptRow:
    """One attempt of a delivery: ``doc`` holds the request as sent and the answer."""

    delivery_sid: str
    account_sid: str
    attempt: int
    doc: dict[str, Any]
    created_at: float


__all__ = [
    "AccountRow",
    "ApiKeyRow",
    "AttemptRow",
    "Candidate",
    "DeliveryOutcome",
    "DeliveryRow",
    "EventRow",
    "FlowRow",
]
