"""The schema, as SQLAlchemy Core tables.

Each resource table keeps the columns hookline filters, orders or constrains on, and the
whole resource in ``doc`` (Twilio's snake_case JSON). ``seq`` gives a stable insertion order
for paging. Alembic migrations in ``migrations/versions`` create and change these tables;
nothing calls ``create_all`` at start-up.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

SeqType = BigInteger().with_variant(Integer(), "sqlite")
DocType = JSON().with_variant(JSONB(), "postgresql")
SID = String(34)


def _seq() -> Column[int]:
    return Column("seq", SeqType, primary_key=True, autoincrement=True)


accounts = Table(
    "accounts",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("auth_token", String(64), nullable=False),
    Column("friendly_name", String(255), nullable=False, default=""),
    Column("default_service_sid", SID, nullable=True),
    Column("date_created", String(32), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False, index=True),
    Column("secret", String(64), nullable=False),
    Column("friendly_name", String(255), nullable=False, default=""),
)

services = Table(
    "services",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False, index=True),
    Column("doc", DocType, nullable=False),
)

# One row per scope: chat_service_sid "" is the account's global configuration.
webhook_configs = Table(
    "webhook_configs",
    metadata,
    _seq(),
    Column("account_sid", SID, nullable=False),
    Column("chat_service_sid", String(34), nullable=False),
    Column("doc", DocType, nullable=False),
    UniqueConstraint("account_sid", "chat_service_sid", name="uq_webhook_configs_scope"),
)

conversations = Table(
    "conversations",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False, index=True),
    Column("chat_service_sid", SID, nullable=False),
    Column("unique_name", String(255), nullable=True),
    Column("state", String(16), nullable=False),
    Column("next_message_index", Integer, nullable=False, default=0),
    Column("timer_due_at", Float, nullable=True, index=True),
    Column("doc", DocType, nullable=False),
    UniqueConstraint("chat_service_sid", "unique_name", name="uq_conversations_unique_name"),
    Index("ix_conversations_service", "chat_service_sid", "seq"),
)

participants = Table(
    "participants",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False),
    Column("chat_service_sid", SID, nullable=False),
    Column("conversation_sid", SID, nullable=False),
    Column("identity", String(255), nullable=True),
    Column("address", String(255), nullable=True),
    Column("doc", DocType, nullable=False),
    UniqueConstraint("conversation_sid", "identity", name="uq_participants_identity"),
    UniqueConstraint("conversation_sid", "address", name="uq_participants_address"),
    Index("ix_participants_conversation", "conversation_sid", "seq"),
    Index("ix_participants_identity", "chat_service_sid", "identity"),
    Index("ix_participants_address", "account_sid", "address"),
)

messages = Table(
    "messages",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False),
    Column("chat_service_sid", SID, nullable=False),
    Column("conversation_sid", SID, nullable=False),
    Column("index", Integer, nullable=False),
    Column("doc", DocType, nullable=False),
    UniqueConstraint("conversation_sid", "index", name="uq_messages_index"),
)

receipts = Table(
    "receipts",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False),
    Column("chat_service_sid", SID, nullable=False),
    Column("conversation_sid", SID, nullable=False),
    Column("message_sid", SID, nullable=False, index=True),
    Column("participant_sid", SID, nullable=True),
    Column("doc", DocType, nullable=False),
    UniqueConstraint("message_sid", "participant_sid", name="uq_receipts_participant"),
)

users = Table(
    "users",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False),
    Column("chat_service_sid", SID, nullable=False),
    Column("identity", String(255), nullable=False),
    Column("doc", DocType, nullable=False),
    UniqueConstraint("chat_service_sid", "identity", name="uq_users_identity"),
)

roles = Table(
    "roles",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False),
    Column("chat_service_sid", SID, nullable=False, index=True),
    Column("doc", DocType, nullable=False),
)

scoped_webhooks = Table(
    "scoped_webhooks",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False),
    Column("chat_service_sid", SID, nullable=False),
    Column("conversation_sid", SID, nullable=False, index=True),
    Column("doc", DocType, nullable=False),
)

# Address Configurations (``IG…``): which of the account's addresses auto-create
# conversations for inbound messages. An address is configured at most once per account.
address_configurations = Table(
    "address_configurations",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False),
    Column("address", String(255), nullable=False),
    Column("type", String(16), nullable=False),
    Column("doc", DocType, nullable=False),
    UniqueConstraint("account_sid", "address", name="uq_address_configurations_address"),
)

# Fault injection settings, one row per account (``sid`` is the account SID).
fault_settings = Table(
    "fault_settings",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False),
    Column("doc", DocType, nullable=False),
)

# Event Streams (Events v1): sinks (``DG…``) and subscriptions (``DF…``). A subscription's
# subscribed event types live in its doc (at most 100 per subscription).
sinks = Table(
    "sinks",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False, index=True),
    Column("doc", DocType, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False, index=True),
    Column("sink_sid", SID, nullable=False, index=True),
    Column("doc", DocType, nullable=False),
)

studio_flows = Table(
    "studio_flows",
    metadata,
    _seq(),
    Column("account_sid", SID, nullable=False),
    Column("flow_sid", SID, nullable=False),
    Column("url", Text, nullable=False),
    UniqueConstraint("account_sid", "flow_sid", name="uq_studio_flows"),
)

# Every event the domain emitted (observable through /_hookline/events).
events = Table(
    "events",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False),
    Column("chat_service_sid", SID, nullable=True),
    Column("conversation_sid", SID, nullable=True),
    Column("event_type", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("params", DocType, nullable=False),
    Column("date_created", String(32), nullable=False),
    Index("ix_events_account", "account_sid", "seq"),
)

# The outbox: one row per (post-event, target), written in the action's transaction.
deliveries = Table(
    "deliveries",
    metadata,
    _seq(),
    Column("sid", SID, nullable=False, unique=True),
    Column("account_sid", SID, nullable=False),
    Column("event_sid", SID, nullable=False, index=True),
    Column("event_type", String(64), nullable=False),
    Column("conversation_sid", SID, nullable=True),
    Column("target", String(16), nullable=False),
    Column("webhook_sid", SID, nullable=True),
    Column("url", Text, nullable=True),
    # scheme://host:port, so a worker can skip endpoints already at their concurrency limit.
    Column("endpoint", String(300), nullable=True),
    Column("method", String(8), nullable=False),
    Column("params", DocType, nullable=False),
    Column("idempotency_token", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("first_attempt", Integer, nullable=False, default=1),
    Column("next_attempt_at", Float, nullable=True),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", Float, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    # Claiming: first attempts, then due retries, each in next_attempt_at order, overall
    # and per endpoint; expired leases by lease_until. Each is one index range scan.
    Index("ix_deliveries_due", "status", "first_attempt", "next_attempt_at"),
    Index("ix_deliveries_endpoint_due", "status", "first_attempt", "endpoint", "next_attempt_at"),
    Index("ix_deliveries_lease", "status", "lease_until"),
    Index("ix_deliveries_account", "account_sid", "seq"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    _seq(),
    Column("delivery_sid", SID, nullable=False, index=True),
    Column("account_sid", SID, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("doc", DocType, nullable=False),
    Column("created_at", Float, nullable=False, index=True),
)
