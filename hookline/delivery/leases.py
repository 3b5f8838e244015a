"""Keeping and giving back a worker's leases (the database side of being alive).

A claim leases rows for :data:`LEASE_SECONDS` under ``<worker>/<claim>``. While the worker
lives, :meth:`LeaseKeeper.heartbeat` extends every lease it holds each
:data:`HEARTBEAT_SECONDS` (four renewals per lease): its rows are never taken from it. A
worker killed with kill -9 renews nothing, so its rows are claimable within one lease. A
worker that stops gives back the rows it has not sent (:meth:`LeaseKeeper.give_back`):
due at once, their attempt not counted.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable

from hookline.domain.runtime import Runtime

log = logging.getLogger("hookline.delivery")

#: How long a claim holds a row without renewal. ``HOOKLINE_DELIVERY_LEASE_SECONDS``
#: changes it (every worker on a database should use the same value).
LEASE_SECONDS = float(os.environ.get("HOOKLINE_DELIVERY_LEASE_SECONDS") or 10.0)
#: A live worker renews its leases this often: four renewals fit in one lease.
HEARTBEAT_SECONDS = LEASE_SECONDS / 4


class LeaseKeeper:
    def __init__(self, rt: Runtime, owner: str, lease_clock: Callable[[], float]) -> None:
        self.rt = rt
        #: The worker's name: its leases are ``owner/<claim number>``.
        self.owner = owner
        self.lease_clock = lease_clock

    def lease_until(self) -> float:
        return self.lease_clock() + LEASE_SECONDS

    async def heartbeat(self, held: Callable[[], Iterable[str]]) -> None:
        """Until cancelled: renew the leases of the rows ``held()`` names."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            sids = list(held())
            if not sids:
                continue
            try:
                async with self.rt.store.transaction() as tx:
                    until = self.lease_until()
                    await tx.renew_leases(sids, owner_prefix=self.owner, lease_until=until)
            except Exception:
                log.warning("renewing %d delivery leases failed", len(sids), exc_info=True)

    async def give_back(self, sids: list[str]) -> None:
        """Release rows leased but never sent; failures are logged (the leases expire)."""
        try:
            async with self.rt.store.transaction() as tx:
                now = self.rt.now_ts()
                released = await tx.release_leases(sids, owner_prefix=self.owner, now=now)
            log.info("stopping: gave back %d deliveries not sent yet", len(released))
        except Exception:
            log.exception("stopping: could not give back %d leases; they expire", len(sids))
