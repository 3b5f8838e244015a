"""The worker on a manual clock that moves while an attempt is in flight (the
``--manual-clock`` flake in tests/integration/test_clock.py), and what it logs."""

from __future__ import annotations

import pytest

from hookline.delivery.transport import MockTransport, OutboundRequest, OutboundResponse
from hookline.domain.accounts import Account
from hookline.domain.runtime import Runtime
from hookline.store import DeliveryOutcome
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
    # The crashed worker's lease counted as a send: its outcome is unknown, so the
    # receiver may have seen it, and the takeover is a retry (same token).
    assert (row["status"], row["attempts"], row["lease_owner"]) == ("delivered", 2, None)
    assert [form(r)["RetryCount"] for r in transport.requests] == ["1"]


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
    assert "http://alice:***@receiver.test/post" in caplog.text
    assert "hunter2" not in caplog.text


async def test_an_outcome_is_written_only_under_the_lease_it_was_sent_with(
    rt: Runtime, account: Account
) -> None:
    engine = engine_for(rt, MockTransport())
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    await post_message(rt, account)
    now = rt.now_ts()
    async with rt.store.transaction() as tx:
        (row,) = await tx.claimable("first", now=now, limit=5, busy_webhooks=[])
        lease = {"now": now, "lease_now": 100.0}
        await tx.lease_deliveries([row.sid], owner="w/1", lease_until=130.0, **lease)
        # The lease ran out; the same worker claimed the row again under a new claim.
        lease = {"now": now, "lease_now": 131.0}
        (again,) = await tx.lease_deliveries([row.sid], owner="w/2", lease_until=161.0, **lease)
        stale = DeliveryOutcome(row.sid, "w/1", "delivered", 1, None, 200, None, now)
        await tx.finish_deliveries([stale])
    (stored,) = await delivery_rows(rt, account)
    assert again.lease_owner == "w/2"
    assert (stored["status"], stored["attempts"], stored["lease_owner"]) == ("sending", 2, "w/2")
    engine.worker.lease_clock = lambda: 140.0
    assert await run_once(engine) == 0, "w/2 still holds it"
