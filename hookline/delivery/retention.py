"""Prunes old delivery records, attempts and events (``--retention-days``)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from hookline.clock import iso
from hookline.domain.runtime import Runtime

log = logging.getLogger("hookline.delivery")
INTERVAL_SECONDS = 3600.0


async def prune_once(rt: Runtime, retention_days: float) -> None:
    cutoff = rt.clock.now() - timedelta(days=retention_days)
    async with rt.store.transaction() as tx:
        await tx.prune(cutoff.timestamp(), iso(cutoff))


async def run(rt: Runtime, retention_days: float) -> None:
    while True:
        try:
            await prune_once(rt, retention_days)
        except Exception:
            log.exception("pruning old delivery records failed")
        await asyncio.sleep(INTERVAL_SECONDS)
