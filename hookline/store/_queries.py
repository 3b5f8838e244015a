"""Every SQL statement hookline runs, each built by a named function. Private to the
store: only :mod:`hookline.store` runs them, behind ``Tx``'s named methods.

Resource tables share one shape (key columns + ``doc``), so the generic statements take the
table by its name in :data:`RESOURCES`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Delete,
    Float,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from hookline.store import tables as t

RESOURCES: dict[str, Table] = {
    "service": t.services,
    "conversation": t.conversations,
    "participant": t.participants,
    "message": t.messages,
    "receipt": t.receipts,
    "user": t.users,
    "role": t.roles,
    "scoped_webhook": t.scoped_webhooks,
    "address_configuration": t.address_configurations,
    "fault_setting": t.fault_settings,
    "configuration": t.configurations,
    "credential": t.credentials,
    "binding": t.bindings,
    "sink": t.sinks,
    "subscription": t.subscriptions,
}


def _where(table: Table, where: Mapping[str, Any]) -> list[Any]:
    """Equality per column; a list or tuple of values matches any of them (``IN``)."""
    return [
        table.c[name].in_(value) if isinstance(value, list | tuple) else table.c[name] == value
        for name, value in where.items()
    ]


#: A statement and the parameters to run it with. The resource statements below are built
#: once per table and shape, with bound parameters: building and hashing a fresh
#: statement for every call cost more than running it.
Bound = tuple[Any, dict[str, Any]]


@functools.cache
def _insert(table: Table) -> Insert:
    return insert(table)


def insert_resource(table: Table, values: Mapping[str, Any]) -> Bound:
    return _insert(table), dict(values)


@functools.cache
def _select_docs(table: Table, keys: tuple[str, ...], lock: bool) -> Select[Any]:
    query = select(table.c.doc).where(*[table.c[key] == bindparam(f"w_{key}") for key in keys])
    # FOR UPDATE on PostgreSQL; SQLite ignores it (its single writer already serialises).
    return query.with_for_update() if lock else query


def select_resource(table: Table, where: Mapping[str, Any], lock: bool = False) -> Bound:
    if any(value is None for value in where.values()):
        # ``column == None`` must render IS NULL, which a bound parameter cannot.
        query = select(table.c.doc).where(*_where(table, where))
        return (query.with_for_update() if lock else query), {}
    return _select_docs(table, tuple(where), lock), {f"w_{k}": v for k, v in where.items()}


def select_resource_page(
    table: Table, where: Mapping[str, Any], after_seq: int, limit: int, descending: bool
) -> Select[Any]:
    seq = table.c.seq
    query = select(seq, table.c.doc).where(*_where(table, where))
    if descending:
        query = query.where(seq < after_seq) if after_seq else query
        return query.order_by(seq.desc()).limit(limit)
    return query.where(seq > after_seq).order_by(seq).limit(limit)


@functools.cache
def _update_by_sid(table: Table) -> Update:
    return update(table).where(table.c.sid == bindparam("w_sid"))


def update_resource(table: Table, sid: str, values: Mapping[str, Any]) -> Bound:
    """SET every column named in ``values`` on row ``sid``."""
    return _update_by_sid(table), {**values, "w_sid": sid}


def delete_resources(table: Table, where: Mapping[str, Any]) -> Delete:
    return delete(table).where(*_where(table, where))


def count_resources(table: Table, where: Mapping[str, Any]) -> Select[Any]:
    return select(func.count()).select_from(table).where(*_where(table, where))


@functools.cache
def _take_next_message_index() -> Update:
    # One UPDATE … RETURNING hands out indexes: the row lock serialises concurrent posts.
    c = t.conversations.c
    return (
        update(t.conversations)
        .where(c.sid == bindparam("w_sid"))
        .values(next_message_index=c.next_message_index + 1)
        .returning(c.next_message_index)
    )


def take_next_message_index(conversation_sid: str) -> Bound:
    return _take_next_message_index(), {"w_sid": conversation_sid}


def advisory_xact_lock(key: str) -> Select[Any]:
    """PostgreSQL: wait for, then hold until commit or rollback, the lock named ``key``."""
    return select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0)))


def select_due_timers(now: float, limit: int) -> Select[Any]:
    c = t.conversations.c
    # SKIP LOCKED: several processes run timers; each due conversation moves exactly once.
    # (SQLite has no row locks; its single writer serialises the processes instead.)
    return (
        select(c.doc)
        .where(c.timer_due_at <= now)
        .order_by(c.timer_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


# --- accounts -------------------------------------------------------------------------


def insert_account(values: Mapping[str, Any]) -> Insert:
    return insert(t.accounts).values(**values)


def select_account(sid: str) -> Select[Any]:
    return select(t.accounts).where(t.accounts.c.sid == sid)


def select_accounts() -> Select[Any]:
    return select(t.accounts).order_by(t.accounts.c.seq)


def update_account(sid: str, values: Mapping[str, Any]) -> Update:
    return update(t.accounts).where(t.accounts.c.sid == sid).values(**values)


def insert_api_key(values: Mapping[str, Any]) -> Insert:
    return insert(t.api_keys).values(**values)


def select_api_key(sid: str) -> Select[Any]:
    return select(t.api_keys).where(t.api_keys.c.sid == sid)


# --- webhook configuration ------------------------------------------------------------


@functools.cache
def _select_webhook_configs() -> Select[Any]:
    c = t.webhook_configs.c
    return select(c.chat_service_sid, c.doc).where(
        c.account_sid == bindparam("w_account"),
        c.chat_service_sid.in_([bindparam("w_service"), bindparam("w_global")]),
    )


def select_webhook_configs(account_sid: str, chat_service_sid: str) -> Bound:
    """The configurations of a service and of the account (``chat_service_sid`` ""; the
    account's alone when ``chat_service_sid`` is "" too)."""
    params = {"w_account": account_sid, "w_service": chat_service_sid, "w_global": ""}
    return _select_webhook_configs(), params


@functools.cache
def _select_participants_by_author() -> Select[Any]:
    c = t.participants.c
    return select(c.identity, c.doc).where(
        c.conversation_sid == bindparam("w_conversation"),
        or_(c.identity == bindparam("w_identity"), c.address == bindparam("w_address")),
    )


def select_participants_by_author(conversation_sid: str, author: str) -> Bound:
    """A conversation's participants whose identity or address is ``author``."""
    params = {"w_conversation": conversation_sid, "w_identity": author, "w_address": author}
    return _select_participants_by_author(), params


def upsert_webhook_config(
    dialect: str, account_sid: str, chat_service_sid: str, doc: Any
) -> Insert:
    """Insert the scope's row or replace its ``doc``: one statement, so concurrent first
    saves of a scope cannot both insert (the loser used to fail on the unique key)."""
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_for(t.webhook_configs).values(
        account_sid=account_sid, chat_service_sid=chat_service_sid, doc=doc
    )
    return statement.on_conflict_do_update(
        index_elements=["account_sid", "chat_service_sid"], set_={"doc": statement.excluded.doc}
    )


def delete_webhook_config(account_sid: str, chat_service_sid: str) -> Delete:
    c = t.webhook_configs.c
    return delete(t.webhook_configs).where(
        c.account_sid == account_sid, c.chat_service_sid == chat_service_sid
    )


# --- studio flow map ------------------------------------------------------------------


def select_studio_flow(account_sid: str, flow_sid: str) -> Select[Any]:
    c = t.studio_flows.c
    return select(c.url).where(c.account_sid == account_sid, c.flow_sid == flow_sid)


def select_studio_flows(account_sid: str) -> Select[Any]:
    c = t.studio_flows.c
    return select(c.flow_sid, c.url).where(c.account_sid == account_sid).order_by(c.seq)


def delete_studio_flow(account_sid: str, flow_sid: str) -> Delete:
    c = t.studio_flows.c
    return delete(t.studio_flows).where(c.account_sid == account_sid, c.flow_sid == flow_sid)


def insert_studio_flow(account_sid: str, flow_sid: str, url: str) -> Insert:
    return insert(t.studio_flows).values(account_sid=account_sid, flow_sid=flow_sid, url=url)


# --- events ---------------------------------------------------------------------------


def insert_event(values: Mapping[str, Any]) -> Bound:
    return _insert(t.events), dict(values)


def select_log_page(
    table: Table,
    account_sid: str,
    after_seq: int,
    limit: int,
    filters: Mapping[str, Any],
    descending: bool = False,
) -> Select[Any]:
    """Rows of a log table (events, deliveries) of one account after ``after_seq``, in
    ``seq`` order (newest first when ``descending``)."""
    c = table.c
    query = select(table).where(c.account_sid == account_sid, c.seq > after_seq)
    order = c.seq.desc() if descending else c.seq
    return query.where(*_where(table, filters)).order_by(order).limit(limit)


# --- deliveries (outbox) --------------------------------------------------------------


def insert_deliveries() -> Insert:
    """Insert outbox rows; executed with a list of them."""
    return _insert(t.deliveries)


@functools.cache
def select_waiting_endpoints(first: bool) -> Select[Any]:
    """The endpoints with pending rows (``first`` attempts, or retries due or not), one
    index seek each: a loose scan of ``ix_deliveries_endpoint_due`` that never reads the
    rows themselves. The worker's search for endpoints it does not know yet ran over every
    waiting row instead, a hanging URL's backlog included (17 ms for 20,000 rows, four
    times a second). Parameter-free: ``first`` picks one of two built statements."""
    c = t.deliveries.c
    waiting = and_(c.status == "pending", c.first_attempt == (1 if first else 0))
    found = (
        select(func.min(c.endpoint).label("endpoint"))
        .where(waiting, c.endpoint.is_not(None))
        .cte("waiting_endpoints", recursive=True)
    )
    after = select(func.min(c.endpoint)).where(waiting, c.endpoint > found.c.endpoint)
    found = found.union_all(select(after.scalar_subquery()).where(found.c.endpoint.is_not(None)))
    return select(found.c.endpoint).where(found.c.endpoint.is_not(None))


@functools.cache
def select_claimable(
    kind: str, one_endpoint: bool = False, only_urls: bool = False, since: bool = False
) -> Select[Any]:
    """Deliveries a worker may take, by ``kind``: ``expired`` leases (a worker died),
    ``first`` attempts, ``retry`` attempts that are due. The worker asks in that order, so
    a retry backlog never starves fresh events. Rows for ``busy_endpoints``,
    ``busy_urls`` and ``busy_webhooks`` (lists the worker cannot take more of) are left
    out here, so they never fill the ``limit``. Parameters: ``now``, ``limit``,
    ``busy_webhooks``, ``busy_urls``, and ``busy_endpoints`` or, with ``one_endpoint``,
    the ``endpoint`` to take rows of (an index range of its own, however many rows other
    endpoints have waiting); with ``only_urls`` too, rows of the ``urls`` listed only (a
    host whose slow URLs used up their share: its healthy URLs' rows must not hide behind
    theirs); with ``since`` too, rows that came due after ``since`` only (an endpoint whose
    older rows all wait behind its requests in flight: an index range, not its backlog).
    Built once per variant: claiming runs after every delivery."""
    c = t.deliveries.c
    now = bindparam("now", type_=Float)
    if kind == "expired":
        where = and_(c.status == "sending", c.lease_until < now)
        order = c.lease_until
    else:
        first = 1 if kind == "first" else 0
        where = and_(c.status == "pending", c.first_attempt == first, c.next_attempt_at <= now)
        order = c.next_attempt_at
    if one_endpoint:
        where = and_(where, c.endpoint == bindparam("endpoint"))
        if only_urls:
            where = and_(where, c.url.in_(bindparam("urls", expanding=True)))
        if since and kind != "expired":
            where = and_(where, c.next_attempt_at > bindparam("since", type_=Float))
    else:
        where = and_(where, c.endpoint.not_in(bindparam("busy_endpoints", expanding=True)))
    return (
        select(c.sid, c.endpoint, c.url, c.webhook_sid)
        .where(where)
        .where(
            or_(
                c.webhook_sid.is_(None),
                c.webhook_sid.not_in(bindparam("busy_webhooks", expanding=True)),
            ),
            or_(c.url.is_(None), c.url.not_in(bindparam("busy_urls", expanding=True))),
        )
        .order_by(order, c.seq)
        .limit(bindparam("limit"))
    )


@functools.cache
def _lease_deliveries(count: int) -> Update:
    c = t.deliveries.c
    now = bindparam("now", type_=Float)
    # A CASE rather than ``(pending AND due) OR (sending AND expired)``: SQLite's planner
    # turned that OR into a scan of the status indexes (every waiting row, 6 ms per claim
    # with 10,000 queued) instead of looking the few sids up; a CASE uses no index.
    claimable = case(
        (c.status == "pending", c.next_attempt_at <= now),
        (c.status == "sending", c.lease_until < bindparam("lease_now", type_=Float)),
        else_=false(),
    )
    sids: list[Any] = [bindparam(f"sid_{n}") for n in range(count)]
    return (
        update(t.deliveries)
        .where(c.sid.in_(sids), claimable)
        .values(
            status="sending",
            # Counted when leased, not when the outcome is written: a send whose outcome
            # is lost (the worker died, the database was down) still counts, so the next
            # send says RetryCount >= 1 (``release_leases`` gives back unsent ones).
            attempts=c.attempts + 1,
            lease_owner=bindparam("owner"),
            lease_until=bindparam("lease_until", type_=Float),
            updated_at=now,
        )
        # The account's fault settings come with the row: read in the claim, never stale,
        # at no extra statement.
        .returning(*t.deliveries.c, _fault_doc())
    )


def _fault_doc() -> Any:
    f, c = t.fault_settings.c, t.deliveries.c
    return select(f.doc).where(f.sid == c.account_sid).scalar_subquery().label("fault_doc")


def lease_deliveries(
    sids: list[str], owner: str, lease_until: float, now: float, lease_now: float
) -> Bound:
    """Lease rows still claimable: due by the server's clock ``now``, or whose lease ran out
    by the lease clock ``lease_now`` (see ``Tx.lease_deliveries``). Built once per number
    of rows (a worker claims at most a few dozen at a time)."""
    params: dict[str, Any] = {f"sid_{n}": sid for n, sid in enumerate(sids)}
    params |= {"owner": owner, "lease_until": lease_until, "now": now, "lease_now": lease_now}
    return _lease_deliveries(len(sids)), params


def _held() -> Any:
    """Rows among ``sids`` being sent under one worker's leases (``<worker>/<claim>``:
    ``owner_like`` is ``<worker>/%``)."""
    c = t.deliveries.c
    return and_(
        c.sid.in_(bindparam("sids", expanding=True)),
        c.status == "sending",
        c.lease_owner.like(bindparam("owner_like")),
    )


@functools.cache
def _renew_leases() -> Update:
    c = t.deliveries.c
    return (
        update(t.deliveries)
        .where(_held())
        .values(lease_until=bindparam("lease_until", type_=Float))
        .returning(c.sid)
    )


def renew_leases(sids: list[str], owner_prefix: str, lease_until: float) -> Bound:
    """Extend the leases a live worker still holds among ``sids``; the renewed sids.
    Built once (a heartbeat runs every few seconds in every worker)."""
    params = {"sids": sids, "owner_like": owner_prefix + "/%", "lease_until": lease_until}
    return _renew_leases(), params


@functools.cache
def _release_leases() -> Update:
    c = t.deliveries.c
    now = bindparam("now", type_=Float)
    return (
        update(t.deliveries)
        .where(_held())
        .values(
            status="pending",
            attempts=c.attempts - 1,
            next_attempt_at=now,
            lease_owner=None,
            lease_until=None,
            updated_at=now,
        )
        .returning(c.sid)
    )


def release_leases(sids: list[str], owner_prefix: str, now: float) -> Bound:
    """Give back rows leased but never sent: due again ``now``, their count undone."""
    return _release_leases(), {"sids": sids, "owner_like": owner_prefix + "/%", "now": now}


@functools.cache
def select_fault_settings() -> Select[Any]:
    """Fault settings of the accounts in ``sids`` (read with every claim: built once)."""
    c = t.fault_settings.c
    return select(c.sid, c.doc).where(c.sid.in_(bindparam("sids", expanding=True)))


#: Parameters of :func:`finish_deliveries`, one dict per delivery (``executemany``).
FINISH_FIELDS = (
    "status", "attempts", "next_attempt_at", "last_status", "last_error", "updated_at",
)  # fmt: skip


@functools.cache
def finish_deliveries() -> Update:
    """Record attempts' outcomes, many at once; only while the lease is still ours."""
    c = t.deliveries.c
    return (
        update(t.deliveries)
        .where(c.sid == bindparam("b_sid"), c.lease_owner == bindparam("b_owner"))
        .values(
            first_attempt=0,
            lease_owner=None,
            lease_until=None,
            **{name: bindparam(f"b_{name}") for name in FINISH_FIELDS},
        )
    )


def insert_attempts() -> Insert:
    """Insert delivery attempts; executed with a list of rows."""
    return _insert(t.delivery_attempts)


def set_delivery_params(sid: str, params: dict[str, Any]) -> Update:
    """Replace a delivery's ``params`` (a sink batch growing within its transaction)."""
    return update(t.deliveries).where(t.deliveries.c.sid == sid).values(params=params)


def reset_delivery(sid: str, now: float) -> Update:
    """Queue a delivery again, due ``now``, with no lease."""
    return (
        update(t.deliveries)
        .where(t.deliveries.c.sid == sid)
        .values(
            status="pending",
            next_attempt_at=now,
            lease_owner=None,
            lease_until=None,
            updated_at=now,
        )
    )


def select_delivery(account_sid: str, sid: str) -> Select[Any]:
    c = t.deliveries.c
    return select(t.deliveries).where(c.account_sid == account_sid, c.sid == sid)


def select_attempt_latencies(delivery_sids: list[str]) -> Select[Any]:
    """``(delivery_sid, latency_ms)`` of every attempt of the deliveries, oldest first; only
    the number is read out of each attempt's document."""
    c = t.delivery_attempts.c
    latency = c.doc["latency_ms"].as_float()
    return select(c.delivery_sid, latency).where(c.delivery_sid.in_(delivery_sids)).order_by(c.seq)


def select_attempts(delivery_sid: str) -> Select[Any]:
    c = t.delivery_attempts.c
    return select(c.doc).where(c.delivery_sid == delivery_sid).order_by(c.seq)


def count_pending_deliveries() -> Select[Any]:
    status = t.deliveries.c.status
    return select(func.count()).select_from(t.deliveries).where(status.in_(("pending", "sending")))


def prune_attempts(before: float) -> Delete:
    return delete(t.delivery_attempts).where(t.delivery_attempts.c.created_at < before)


def prune_deliveries(before: float) -> Delete:
    c = t.deliveries.c
    done = c.status.in_(("delivered", "failed", "rejected", "undeliverable"))
    return delete(t.deliveries).where(done, c.updated_at < before)


def prune_events(before: str) -> Delete:
    return delete(t.events).where(t.events.c.date_created < before)


# --- reset ----------------------------------------------------------------------------

#: Every table holding an account's data, children before parents. ``accounts`` and
#: ``api_keys`` (its credentials) are not in it: a reset keeps them.
ACCOUNT_DATA = (
    t.delivery_attempts,
    t.deliveries,
    t.events,
    t.receipts,
    t.messages,
    t.participants,
    t.scoped_webhooks,
    t.conversations,
    t.users,
    t.roles,
    t.webhook_configs,
    t.studio_flows,
    t.address_configurations,
    t.fault_settings,
    t.bindings,
    t.credentials,
    t.configurations,
    t.subscriptions,
    t.sinks,
    t.services,
)


def delete_account_data(account_sid: str, keep_service_sid: str) -> list[Delete]:
    """Delete statements that remove all of an account's data but the ``keep_service_sid``
    service row."""
    statements = []
    for table in ACCOUNT_DATA:
        statement = delete(table).where(table.c.account_sid == account_sid)
        if table is t.services:
            statement = statement.where(table.c.sid != keep_service_sid)
        statements.append(statement)
    return statements
