"""Leases: counted as attempts, renewed by a live worker, given back by a stopping one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hookline.delivery import leases as lease_module
from hookline.delivery.faults import FaultSource, Injection
from hookline.delivery.transport import MockTransport, OutboundRequest, OutboundResponse
from hookline.domain.accounts import Account
from hookline.domain.faults import Faults
from hookline.domain.runtime import Runtime
from tests.unit.delivery.test_engine import (
    POST_URL,
    configure,
    delivery_rows,
    engine_for,
    form,
    post_message,
    run_once,
    until,
)


async def queued(rt: Runtime, account: Account) -> str:
    """One post-event due (through a delivery engine: the default sink only records)."""
    if not hasattr(rt.sink, "worker"):
        engine_for(rt, MockTransport())
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    await post_message(rt, account)
    async with rt.store.read() as tx:
        (candidate,) = await tx.claimable("first", now=rt.now_ts(), limit=5, busy_webhooks=[])
    return candidate.sid


async def test_a_lease_counts_a_send_and_giving_it_back_uncounts_it(
    rt: Runtime, account: Account
) -> None:
    sid = await queued(rt, account)
    now = rt.now_ts()
    async with rt.store.transaction() as tx:
        (row,) = await tx.lease_deliveries(
            [sid], owner="worker-a/1", lease_until=130.0, now=now, lease_now=100.0
        )
        assert (row.status, row.attempts) == ("sending", 1)
        assert await tx.release_leases([sid], owner_prefix="worker-b", now=now) == set()
        assert await tx.release_leases([sid], owner_prefix="worker-a", now=now) == {sid}
    (stored,) = await delivery_rows(rt, account)
    assert (stored["status"], stored["attempts"], stored["lease_owner"]) == ("pending", 0, None)


async def test_renewal_extends_only_the_leases_of_their_owner(
    rt: Runtime, account: Account
) -> None:
    sid = await queued(rt, account)
    async with rt.store.transaction() as tx:
        lease = {"now": rt.now_ts(), "lease_now": 100.0}
        await tx.lease_deliveries([sid], owner="worker-a/3", lease_until=110.0, **lease)
        assert await tx.renew_leases([sid], owner_prefix="worker-ab", lease_until=500.0) == set()
        assert await tx.renew_leases([sid], owner_prefix="worker-a", lease_until=120.0) == {sid}
    (stored,) = await delivery_rows(rt, account)
    assert (stored["lease_owner"], stored["lease_until"]) == ("worker-a/3", 120.0)


def hanging(answer: asyncio.Event) -> MockTransport:
    """A transport whose requests go out and are answered once ``answer`` is set."""

    async def wait(request: OutboundRequest) -> OutboundResponse:
        await answer.wait()
        return OutboundResponse(200)

    return MockTransport(wait)


class Delayed(FaultSource):
    """Every attempt waits an hour before it is sent (a fault delay that never ends)."""

    def injection(self, own: Faults | None) -> Injection:
        return Injection(delay=3600.0)


async def test_stopping_gives_back_what_was_not_sent(rt: Runtime, account: Account) -> None:
    transport = MockTransport()
    engine = engine_for(rt, transport)
    engine.worker.faults = Delayed()
    await queued(rt, account)
    assert await engine.worker.claim_and_start() == 1
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"]) == ("sending", 1)
    await engine.worker.stop()
    assert transport.requests == []
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"], row["lease_owner"]) == ("pending", 0, None)
    # Given back, it is a first attempt for the next worker: RetryCount=0.
    other = engine_for(rt, transport)
    assert await run_once(other) == 1
    assert [form(r)["RetryCount"] for r in transport.requests] == ["0"]


async def test_stopping_waits_for_a_request_already_out(rt: Runtime, account: Account) -> None:
    answer = asyncio.Event()
    transport = hanging(answer)
    engine = engine_for(rt, transport)
    await queued(rt, account)
    assert await engine.worker.claim_and_start() == 1
    await until(lambda: len(transport.requests) == 1)
    stopping = asyncio.create_task(engine.worker.stop())
    await asyncio.sleep(0)
    assert not stopping.done(), "it waits for the answer"
    answer.set()
    await stopping
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"]) == ("delivered", 1)


async def test_a_live_worker_renews_its_leases(
    rt: Runtime, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lease_module, "LEASE_SECONDS", 2.0)
    monkeypatch.setattr(lease_module, "HEARTBEAT_SECONDS", 0.05)
    answer = asyncio.Event()
    transport = hanging(answer)
    engine = engine_for(rt, transport)
    wall = [1000.0]
    engine.worker.lease_clock = lambda: wall[0]
    await queued(rt, account)
    running = asyncio.create_task(engine.worker.run())
    await until(lambda: len(transport.requests) == 1)
    (row,) = await delivery_rows(rt, account)
    assert row["lease_until"] == 1002.0
    wall[0] = 1001.5  # later, but before the lease ran out: the heartbeat extends it

    async def renewed() -> bool:
        (row,) = await delivery_rows(rt, account)
        return bool(row["lease_until"] == 1003.5)

    async with asyncio.timeout(30):
        while not await renewed():
            await asyncio.sleep(0.02)
    # Another worker, whose wall clock is past the first lease, still cannot take it.
    thief = engine_for(rt, MockTransport())
    thief.worker.lease_clock = lambda: 1002.5
    assert await thief.worker.claim_and_start() == 0
    answer.set()
    await engine.worker.stop()
    running.cancel()
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"]) == ("delivered", 1)


async def test_a_request_out_past_the_shutdown_timeout_is_left_to_its_lease(
    rt: Runtime, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hookline.delivery import worker as worker_module

    # ``--shutdown-timeout`` (Settings.shutdown_timeout) is the worker's grace on stop: with
    # the built-in default made endless, only the setting lets ``stop`` return.
    monkeypatch.setattr(worker_module, "STOP_GRACE_SECONDS", 3600.0)
    transport = hanging(asyncio.Event())
    engine = engine_for(rt, transport, shutdown_timeout=0)
    await queued(rt, account)
    assert await engine.worker.claim_and_start() == 1
    await until(lambda: len(transport.requests) == 1)
    async with asyncio.timeout(60):
        await engine.worker.stop()
    (row,) = await delivery_rows(rt, account)
    # Not "failed": the receiver may have it; the next worker re-sends it (RetryCount=1).
    assert (row["status"], row["attempts"]) == ("sending", 1)


async def test_a_send_whose_outcome_was_lost_is_retried_as_a_retry(
    rt: Runtime, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hookline.store import Tx

    real = Tx.finish_deliveries
    calls = []

    async def lost_once(self: Tx, outcomes: Any) -> None:
        if outcomes and not calls:
            calls.append(len(outcomes))
            raise ConnectionError("the database went away as the answer came")
        await real(self, outcomes)

    monkeypatch.setattr(Tx, "finish_deliveries", lost_once)
    transport = MockTransport()
    engine = engine_for(rt, transport)
    wall = [1000.0]
    engine.worker.lease_clock = lambda: wall[0]
    await queued(rt, account)
    assert await run_once(engine) == 1  # sent and answered; recording it failed
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"]) == ("sending", 1)
    wall[0] += lease_module.LEASE_SECONDS + 1  # its lease runs out, nobody renews it
    assert await run_once(engine) == 1
    first, again = transport.requests
    assert [form(r)["RetryCount"] for r in (first, again)] == ["0", "1"]
    token = "I-Twilio-Idempotency-Token"
    assert first.header(token) == again.header(token)
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"]) == ("delivered", 2)
