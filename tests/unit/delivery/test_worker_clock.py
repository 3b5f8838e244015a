"""The worker on a manual clock that moves while an attempt is in flight (the
``--manual-clock`` flake in tests/integration/test_clock.py), and what it logs."""

from __future__ import annotations

import pytest

from hookline.delivery.transport import MockTransport, OutboundRequest, OutboundResponse
from hookline.domain.accounts import Account
from hookline.domain.runtime import Runtime
from tests.unit.delivery.test_engine import (
    POST_URL,
    configure,
    delivery_rows,
    engine_for,
    form,
    post_message,
    run_once,
)


async def test_moving_the_clock_mid_attempt_keeps_the_lease_and_the_retry_schedule(
    rt: Runtime, account: Account
) -> None:
    wall = [1_000_000.0]
    claimed_meanwhile: list[int] = []

    async def answer(request: OutboundRequest) -> OutboundResponse:
        if len(transport.requests) > 1:
            return OutboundResponse(200)
        # While the first attempt is in flight, a test moves the manual clock five
        # minutes (and a few real seconds pass): the worker claims again at once.
        rt.clock.advance(301)  # type: ignore[attr-defined]
        wall[0] += 10
        claimed_meanwhile.append(await engine.worker.claim_and_start())
        return OutboundResponse(503)

    transport = MockTransport(answer)
    engine = engine_for(rt, transport, retry_policy="durable")
    engine.worker.lease_clock = lambda: wall[0]
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    await post_message(rt, account)

    assert await run_once(engine) == 1
    assert claimed_meanwhile == [0], "a live worker's lease must not expire with the clock"
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    # The retry is due 5 s (±20 %) after the attempt began, by the clock it began on.
    assert row["next_attempt_at"] <= rt.now_ts() - 290

    assert await run_once(engine) == 1
    assert [form(r)["RetryCount"] for r in transport.requests] == ["0", "1"]
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"]) == ("delivered", 2)


async def test_an_expired_lease_is_taken_over_by_the_wall_clock(
    rt: Runtime, account: Account
) -> None:
    wall = [1_000_000.0]
    transport = MockTransport()
    engine = engine_for(rt, transport)
    engine.worker.lease_clock = lambda: wall[0]
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    await post_message(rt, account)
    async with rt.store.transaction() as tx:
        (candidate,) = await tx.claimable("first", now=rt.now_ts(), limit=5, busy_webhooks=[])
        await tx.lease_deliveries(
            [candidate.sid], owner="crashed", lease_until=wall[0] + 30, now=rt.now_ts(),
            lease_now=wall[0],
        )  # fmt: skip
    rt.clock.advance(3600)  # type: ignore[attr-defined]
    assert await run_once(engine) == 0, "the server's clock does not expire leases"
    wall[0] += 31
    assert await run_once(engine) == 1
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"], row["lease_owner"]) == ("delivered", 1, None)


async def test_delivery_log_lines_do_not_show_url_credentials(
    rt: Runtime, account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    transport = MockTransport(lambda request: OutboundResponse(500))
    engine = engine_for(rt, transport)
    url = "http://alice:hunter2@receiver.test/post"
    await configure(rt, account, post_webhook_url=url, filters=["onMessageAdded"])
    await post_message(rt, account)
    with caplog.at_level("INFO", logger="hookline.delivery"):
        assert await run_once(engine) == 1
    assert "http://***:***@receiver.test/post" in caplog.text
    assert "hunter2" not in caplog.text and "alice" not in caplog.text
