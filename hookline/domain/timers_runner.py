"""Moves conversations along their timers (active → inactive → closed) and emits
``onConversationStateUpdated`` with ``Reason=TIMER``."""

from __future__ import annotations

import asyncio
import logging

from hookline.clock import parse_iso
from hookline.domain import emit
from hookline.domain.conversations import state_params
from hookline.domain.emit import Scope
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.timers import next_due

log = logging.getLogger("hookline.timers")
POLL_SECONDS = 1.0
#: Timer-driven changes are Twilio's own doing: they always fire webhooks.
TIMER_ACTOR = Actor(source="API", webhooks=True)


async def fire_due(rt: Runtime) -> int:
    moved = 0
    async with emit.action(rt) as tx:
        now = rt.clock.now()
        for conv in await tx.due_timers(now.timestamp(), 100):
            timers = dict(conv.get("timers") or {})
            old = conv["state"]
            closed_at = timers.get("date_closed")
            if closed_at and parse_iso(closed_at) <= now:
                conv["state"], conv["timers"] = "closed", {}
            else:
                conv["state"] = "inactive"
                timers.pop("date_inactive", None)
                conv["timers"] = timers
            conv["date_updated"] = rt.now_iso()
            await tx.update("conversation", conv, timer_due_at=next_due(conv))
            if conv["state"] != old:
                scope = Scope(conv["account_sid"], conv["chat_service_sid"], conv["sid"])
                params = state_params(conv, old, "TIMER", conv["date_updated"])
                await emit.post(rt, tx, TIMER_ACTOR, "onConversationStateUpdated", scope, params)
                moved += 1
    return moved


async def run(rt: Runtime) -> None:
    while True:
        try:
            await fire_due(rt)
        except Exception:
            log.exception("conversation timers failed")
        await asyncio.sleep(POLL_SECONDS)
