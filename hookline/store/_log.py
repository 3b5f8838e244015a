"""``Tx`` methods for what happens around the resources: the event log, the delivery
outbox and its attempts, the Studio flow map, due timers and retention."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hookline.store import _queries as q
from hookline.store import tables as t
from hookline.store._connection import Connected
from hookline.store.records import (
    AttemptRow,
    Candidate,
    DeliveryOutcome,
    DeliveryRow,
    EventRow,
    FlowRow,
)
from hookline.types import Record

#: Filters ``Tx.events_page`` and ``Tx.deliveries_page`` accept (equality on the column).
EVENT_FILTERS = frozenset({"event_type", "conversation_sid"})
DELIVERY_FILTERS = frozenset({"status", "event_type", "conversation_sid"})


def _checked(filters: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(filters) - allowed
    if unknown:
        raise ValueError(f"unknown filters {sorted(unknown)}; known: {sorted(allowed)}")
    return dict(filters)


def _delivery(row: Any) -> DeliveryRow:
    values = dict(row._mapping)
    values["params"] = dict(values["params"])
    if values.get("fault_doc") is not None:
        values["fault_doc"] = dict(values["fault_doc"])
    return DeliveryRow(**values)


class LogMethods(Connected):
    # --- studio flow map --------------------------------------------------------------

    async def flow_url(self, account_sid: str, flow_sid: str) -> str | None:
        result = await self._execute(q.select_studio_flow(account_sid, flow_sid))
        url: str | None = result.scalar_one_or_none()
        return url

    async def flows(self, account_sid: str) -> list[FlowRow]:
        result = await self._execute(q.select_studio_flows(account_sid))
        return [FlowRow(flow_sid=row.flow_sid, url=row.url) for row in result]

    async def set_flow(self, account_sid: str, flow_sid: str, url: str) -> None:
        """Map ``flow_sid`` to ``url``, replacing any URL it had."""
        await self._execute(q.delete_studio_flow(account_sid, flow_sid))
        await self._execute(q.insert_studio_flow(account_sid, flow_sid, url))

    async def delete_flow(self, account_sid: str, flow_sid: str) -> None:
        await self._execute(q.delete_studio_flow(account_sid, flow_sid))

    # --- events -----------------------------------------------------------------------

    async def insert_event(
        self,
        *,
        sid: str,
        account_sid: str,
        chat_service_sid: str | None,
        conversation_sid: str | None,
        event_type: str,
        source: str,
        params: Record,
        date_created: str,
    ) -> None:
        values = {
            "sid": sid,
            "account_sid": account_sid,
            "chat_service_sid": chat_service_sid,
            "conversation_sid": conversation_sid,
            "event_type": event_type,
            "source": source,
            "params": dict(params),
            "date_created": date_created,
        }
        await self._execute(*q.insert_event(values))

    async def events_page(
        self,
        account_sid: str,
        after_seq: int,
        limit: int,
        filters: Mapping[str, Any],
        descending: bool = False,
    ) -> list[EventRow]:
        """Events with ``seq`` above ``after_seq``, oldest first (``descending``: newest
        first); ``filters``: column → value, from :data:`EVENT_FILTERS`."""
        page = (t.events, EVENT_FILTERS, account_sid, after_seq, limit, filters, descending)
        result = await self._log_page(*page)
        return [EventRow(**(dict(row._mapping) | {"params": dict(row.params)})) for row in result]

    async def _log_page(
        self,
        table: Any,
        allowed: frozenset[str],
        account_sid: str,
        after_seq: int,
        limit: int,
        filters: Mapping[str, Any],
        descending: bool,
    ) -> Any:
        """The rows of one page of a log table (events, deliveries), filters checked."""
        where = _checked(filters, allowed)
        statement = q.select_log_page(table, account_sid, after_seq, limit, where, descending)
        return await self._execute(statement)

    # --- deliveries (outbox) ----------------------------------------------------------

    async def insert_deliveries(self, rows: Sequence[Record]) -> None:
        """Outbox rows, each a dict of the delivery columns (``DeliveryRow``'s fields but
        ``seq`` and those with defaults)."""
        if rows:
            await self._execute(q.insert_deliveries(), rows)

    async def outbox_pending(self) -> int:
        """Deliveries (all accounts) waiting or being sent: one index-only count."""
        return int((await self._execute(q.count_pending_deliveries())).scalar_one())

    async def claimable(
        self,
        kind: str,
        *,
        now: float,
        limit: int,
        busy_webhooks: Sequence[str],
        busy_endpoints: Sequence[str] = (),
        busy_urls: Sequence[str] = (),
        endpoint: str | None = None,
        only_urls: Sequence[str] | None = None,
        since: float | None = None,
    ) -> list[Candidate]:
        """Deliveries a worker may lease, by ``kind`` (``expired``, ``first``, ``retry``;
        see ``_queries.select_claimable``). For ``expired``, ``now`` is the lease clock's.
        With ``endpoint``: ``only_urls``, rows of those URLs only; ``since``, rows that came
        due after it only."""
        params: dict[str, Any] = {
            "now": now,
            "limit": limit,
            "busy_webhooks": list(busy_webhooks),
            "busy_urls": list(busy_urls),
        }
        if endpoint is not None:
            params["endpoint"] = endpoint
            if only_urls is not None:
                params["urls"] = list(only_urls)
            if since is not None:
                params["since"] = since
        else:
            params["busy_endpoints"] = list(busy_endpoints)
        only = endpoint is not None and only_urls is not None
        after = endpoint is not None and since is not None
        statement = q.select_claimable(kind, endpoint is not None, only, after)
        result = await self._execute(statement, params)
        return [Candidate(row.sid, row.endpoint, row.webhook_sid, row.url) for row in result]

    async def waiting_endpoints(self) -> list[str]:
        """Every endpoint with pending rows (first attempts or retries, due or not): one
        index seek per endpoint, whatever their rows number (``_queries``)."""
        found: set[str] = set()
        for first in (True, False):
            result = await self._execute(q.select_waiting_endpoints(first))
            found.update(row.endpoint for row in result)
        return sorted(found)

    async def lease_deliveries(
        self, sids: list[str], *, owner: str, lease_until: float, now: float, lease_now: float
    ) -> list[DeliveryRow]:
        """Lease those of ``sids`` still due (by the server's clock, ``now``) or whose lease
        expired (by the lease clock, ``lease_now``) to ``owner`` until ``lease_until``.
        Each lease counts as an attempt (``attempts`` + 1): a send whose outcome is lost
        still counts, so the next send is a retry. Each row comes with its account's
        fault settings (``fault_doc``), read in the same statement."""
        result = await self._execute(*q.lease_deliveries(sids, owner, lease_until, now, lease_now))
        return [_delivery(row) for row in result]

    async def renew_leases(
        self, sids: Sequence[str], *, owner_prefix: str, lease_until: float
    ) -> set[str]:
        """Extend to ``lease_until`` the leases of ``sids`` still held under a lease owner
        ``<owner_prefix>/…`` (a live worker's heartbeat); the sids renewed."""
        if not sids:
            return set()
        result = await self._execute(*q.renew_leases(list(sids), owner_prefix, lease_until))
        return {row.sid for row in result}

    async def release_leases(
        self, sids: Sequence[str], *, owner_prefix: str, now: float
    ) -> set[str]:
        """Give back leased rows that were never sent (a worker stopping): pending, due
        ``now``, their attempt not counted; the sids released."""
        if not sids:
            return set()
        result = await self._execute(*q.release_leases(list(sids), owner_prefix, now))
        return {row.sid for row in result}

    async def fault_settings(self, account_sids: Sequence[str]) -> dict[str, Record]:
        """The fault-injection documents of those accounts that have one."""
        if not account_sids:
            return {}
        params = {"sids": sorted(set(account_sids))}
        result = await self._execute(q.select_fault_settings(), params)
        return {row.sid: dict(row.doc) for row in result}

    async def finish_deliveries(self, outcomes: Sequence[DeliveryOutcome]) -> None:
        """Record attempts' outcomes; each only while its lease is still its owner's."""
        if not outcomes:
            return
        params = [
            {"b_sid": o.sid, "b_owner": o.lease_owner}
            | {f"b_{name}": getattr(o, name) for name in q.FINISH_FIELDS}
            for o in outcomes
        ]
        await self._execute(q.finish_deliveries(), params)

    async def insert_attempts(self, attempts: Sequence[AttemptRow]) -> None:
        if attempts:
            rows = [
                {
                    "delivery_sid": a.delivery_sid,
                    "account_sid": a.account_sid,
                    "attempt": a.attempt,
                    "doc": a.doc,
                    "created_at": a.created_at,
                }
                for a in attempts
            ]
            await self._execute(q.insert_attempts(), rows)

    async def delivery(self, account_sid: str, sid: str) -> DeliveryRow | None:
        row = (await self._execute(q.select_delivery(account_sid, sid))).first()
        return _delivery(row) if row else None

    async def deliveries_page(
        self,
        account_sid: str,
        after_seq: int,
        limit: int,
        filters: Mapping[str, Any],
        descending: bool = False,
    ) -> list[DeliveryRow]:
        """Deliveries with ``seq`` above ``after_seq``, oldest first (``descending``: newest
        first); ``filters``: column → value, from :data:`DELIVERY_FILTERS`."""
        page = (t.deliveries, DELIVERY_FILTERS, account_sid, after_seq, limit, filters, descending)
        return [_delivery(row) for row in await self._log_page(*page)]

    async def attempt_latencies(self, delivery_sids: Sequence[str]) -> dict[str, float]:
        """Each delivery's latest attempt latency in ms; deliveries never tried are left out."""
        if not delivery_sids:
            return {}
        result = await self._execute(q.select_attempt_latencies(list(delivery_sids)))
        return {sid: latency for sid, latency in result}

    async def attempts_of(self, delivery_sid: str) -> list[Record]:
        """The attempt documents of one delivery, oldest first."""
        result = await self._execute(q.select_attempts(delivery_sid))
        return [dict(row.doc) for row in result]

    async def set_delivery_params(self, sid: str, params: dict[str, Any]) -> None:
        """Replace the ``params`` of delivery ``sid`` (written earlier in this transaction:
        an Event Streams batch that takes in the action's next event)."""
        await self._execute(q.set_delivery_params(sid, params))

    async def reset_delivery(self, sid: str, now: float) -> None:
        """Queue a delivery again, due ``now`` and unleased; it keeps its history."""
        await self._execute(q.reset_delivery(sid, now))

    # --- background work --------------------------------------------------------------

    async def due_timers(self, now: float, limit: int) -> list[Record]:
        """Conversations whose next timer is due, locked (SKIP LOCKED) for this transaction."""
        result = await self._execute(q.select_due_timers(now, limit))
        return [dict(row.doc) for row in result]

    async def prune(self, before_ts: float, before_iso: str) -> None:
        """Drop attempts and finished deliveries last changed before ``before_ts``, and
        events created before ``before_iso``."""
        await self._execute(q.prune_attempts(before_ts))
        await self._execute(q.prune_deliveries(before_ts))
        await self._execute(q.prune_events(before_iso))
