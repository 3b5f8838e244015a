from __future__ import annotations

import asyncio
from typing import Any

from hookline.delivery.engine import DeliveryEngine
from hookline.delivery.retention import prune_once
from hookline.delivery.transport import MockTransport, OutboundResponse
from hookline.domain import conversations, webhook_config
from hookline.domain.accounts import Account
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.webhook_config import GLOBAL, ConfigUpdate
from hookline.settings import Settings

HOOKED = Actor(webhooks=True)


async def _statuses(rt: Runtime, account: Account) -> list[tuple[str, int]]:
    async with rt.store.read() as tx:
        rows = await tx.deliveries_page(account.sid, 0, 100, {})
        return [(row.status, len(await tx.attempts_of(row.sid))) for row in rows]


async def test_old_finished_deliveries_go_and_pending_ones_stay(
    rt: Runtime, account: Account
) -> None:
    answers: list[Any] = [
        OutboundResponse(200),
        OutboundResponse(None, error="x", error_kind="connect"),
    ]
    engine = DeliveryEngine(rt, Settings(), transport=MockTransport(lambda r: answers.pop(0)))
    rt.sink = engine
    async with rt.store.transaction() as tx:
        await webhook_config.update(
            tx, account.sid, GLOBAL,
            ConfigUpdate(post_webhook_url="http://r.test/", filters=["onConversationAdded"]),
        )  # fmt: skip
    ids = (account.sid, account.default_service_sid)
    await conversations.create(rt, HOOKED, *ids, {})
    await engine.worker.claim_and_start()
    await _settle(engine)
    rt.clock.advance(8 * 86400)  # type: ignore[attr-defined]
    await conversations.create(rt, HOOKED, *ids, {})
    await engine.worker.claim_and_start()
    await _settle(engine)
    assert await _statuses(rt, account) == [("delivered", 1), ("pending", 1)]
    await prune_once(rt, retention_days=7)
    assert await _statuses(rt, account) == [("pending", 1)]
    rt.clock.advance(8 * 86400)  # type: ignore[attr-defined]
    await prune_once(rt, retention_days=7)
    assert [status for status, _ in await _statuses(rt, account)] == ["pending"]


async def _settle(engine: DeliveryEngine) -> None:
    if engine.worker._tasks:
        await asyncio.gather(*engine.worker._tasks)
