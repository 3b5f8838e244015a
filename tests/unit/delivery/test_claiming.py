"""When a worker's finished attempts claim again (``Claimer.maybe_more``): only while rows
may wait that the last claim left. Otherwise new rows can only come from a commit, whose
wake makes the worker claim; a claim after every finished attempt cost a transaction per
delivery under a steady trickle of messages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hookline.delivery.transport import MockTransport, OutboundRequest, OutboundResponse
from hookline.domain.accounts import Account
from hookline.domain.runtime import Runtime
from hookline.store import Tx
from tests.unit.delivery.test_engine import (
    POST_URL,
    configure,
    engine_for,
    post_message,
    run_once,
    until,
)


async def test_a_claim_that_took_every_due_row_expects_no_more(
    rt: Runtime, account: Account
) -> None:
    engine = engine_for(rt, MockTransport())
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    await post_message(rt, account)
    assert await run_once(engine) == 1
    assert not engine.worker.claimer.maybe_more


async def test_rows_left_behind_a_url_at_its_limit_are_expected(
    rt: Runtime, account: Account
) -> None:
    release = asyncio.Event()

    async def answer(request: OutboundRequest) -> OutboundResponse:
        await release.wait()
        return OutboundResponse(200)

    engine = engine_for(rt, MockTransport(answer))
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    for _ in range(3):
        await post_message(rt, account)
    assert await engine.worker.claim_and_start() == 2, "a URL never heard from starts at 2"
    assert engine.worker.claimer.maybe_more, "the third row waits for a slot"
    # With both slots taken the URL's rows are left out by the query itself.
    assert await engine.worker.claim_and_start() == 0
    assert engine.worker.claimer.maybe_more
    release.set()
    await asyncio.gather(*engine.worker._tasks)
    assert await run_once(engine) == 1
    assert not engine.worker.claimer.maybe_more


async def test_waiting_endpoints_lists_each_endpoint_with_pending_rows_once(
    rt: Runtime, account: Account
) -> None:
    engine = engine_for(rt, MockTransport())
    await configure(rt, account, post_webhook_url="http://done.test/", filters=["onMessageAdded"])
    await post_message(rt, account)
    assert await run_once(engine) == 1  # done.test has only a delivered row now
    for url in ("http://a.test/x", "http://a.test/y", "https://b.test/"):
        await configure(rt, account, post_webhook_url=url)
        await post_message(rt, account)
    async with rt.store.read() as tx:
        assert await tx.waiting_endpoints() == ["http://a.test:80", "https://b.test:443"]


async def test_an_endpoint_whose_rows_wait_behind_a_busy_url_is_asked_for_new_rows_only(
    rt: Runtime, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hanging URL's backlog is not read again at every claim, and a row of another URL
    on the same host:port is still found at the next claim."""
    release = asyncio.Event()

    async def answer(request: OutboundRequest) -> OutboundResponse:
        if "slow" in request.url:
            await release.wait()
        return OutboundResponse(200)

    asks: list[tuple[str | None, float | None]] = []
    claimable = Tx.claimable

    async def spy(self: Tx, kind: str, **kw: Any) -> Any:
        if kind == "first":
            asks.append((kw.get("endpoint"), kw.get("since")))
        return await claimable(self, kind, **kw)

    monkeypatch.setattr(Tx, "claimable", spy)
    engine = engine_for(rt, MockTransport(answer))
    shared = "http://shared.test:80"
    await configure(
        rt, account, post_webhook_url="http://shared.test/slow", filters=["onMessageAdded"]
    )
    for _ in range(5):
        await post_message(rt, account)
    assert await engine.worker.claim_and_start() == 2, "a URL never heard from starts at 2"
    asks.clear()
    assert await engine.worker.claim_and_start() == 0, "its URL is at its limit"
    assert asks == [(shared, None)], "asked once for all its rows"
    assert shared in engine.worker.claimer.finder.stuck
    asks.clear()
    assert await engine.worker.claim_and_start() == 0
    assert len(asks) == 1 and asks[0][0] == shared and asks[0][1] is not None, "new rows only"

    await configure(rt, account, post_webhook_url="http://shared.test/fast")
    await post_message(rt, account)
    assert await engine.worker.claim_and_start() == 1, "the other URL's new row is found"
    await until(lambda: not any("fast" in (h.row.url or "") for h in engine.worker.held.values()))

    release.set()
    await until(lambda: engine.worker.slots.total == 0)
    asks.clear()
    assert await engine.worker.claim_and_start() == 3, "its requests ended: all its rows"
    assert asks[0] == (shared, None)
    await asyncio.gather(*engine.worker._tasks)
