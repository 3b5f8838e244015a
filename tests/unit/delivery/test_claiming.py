"""When a worker's finished attempts claim again (``Claimer.maybe_more``): only while rows
may wait that the last claim left. Otherwise new rows can only come from a commit, whose
wake makes the worker claim; a claim after every finished attempt cost a transaction per
delivery under a steady trickle of messages."""

from __future__ import annotations

import asyncio

from hookline.delivery.transport import MockTransport, OutboundRequest, OutboundResponse
from hookline.domain.accounts import Account
from hookline.domain.runtime import Runtime
from tests.unit.delivery.test_engine import POST_URL, configure, engine_for, post_message, run_once


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
