"""The engine end to end on a real store, a manual clock and a mock transport."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import pytest

from hookline.delivery.engine import DeliveryEngine
from hookline.delivery.transport import MockTransport, OutboundRequest, OutboundResponse
from hookline.domain import conversations, messages, participants, scoped_webhooks, webhook_config
from hookline.domain.accounts import Account
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.scoped_webhooks import WebhookFields
from hookline.domain.webhook_config import GLOBAL, ConfigUpdate
from hookline.exceptions import ActionRejected
from hookline.settings import Settings

SDK = Actor(source="SDK", client_identity="alice", webhooks=True)
POST_URL = "http://receiver.test/post"
PRE_URL = "http://receiver.test/pre"


def engine_for(rt: Runtime, transport: MockTransport, **settings: Any) -> DeliveryEngine:
    engine = DeliveryEngine(rt, Settings(**settings), transport=transport)
    rt.sink = engine
    return engine


async def configure(rt: Runtime, account: Account, **change: Any) -> None:
    async with rt.store.transaction() as tx:
        await webhook_config.update(tx, account.sid, GLOBAL, ConfigUpdate(**change))


async def conversation_with_alice(rt: Runtime, account: Account) -> dict[str, Any]:
    """A conversation the SDK user alice may post in (added through REST: fires nothing)."""
    ids = (account.sid, account.default_service_sid)
    conv = await conversations.create(rt, Actor(), *ids, {})
    await participants.create(rt, Actor(), *ids, str(conv["sid"]), {"identity": "alice"})
    return conv


async def post_message(rt: Runtime, account: Account, body: str = "hi") -> dict[str, Any]:
    ids = (account.sid, account.default_service_sid)
    conv = await conversation_with_alice(rt, account)
    return await messages.create(rt, SDK, *ids, str(conv["sid"]), {"body": body})


async def run_once(engine: DeliveryEngine) -> int:
    claimed = await engine.worker.claim_and_start()
    if engine.worker._tasks:
        await asyncio.gather(*engine.worker._tasks)
    return claimed


async def delivery_rows(rt: Runtime, account: Account) -> list[dict[str, Any]]:
    await rt.sink.settled()  # as the log's readers do: a rejected call is logged off-path
    async with rt.store.read() as tx:
        return [
            dataclasses.asdict(row) for row in await tx.deliveries_page(account.sid, 0, 100, {})
        ]


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for ``condition`` (e.g. deliveries in flight to finish), however busy the host."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def form(request: OutboundRequest) -> dict[str, str]:
    return dict(parse_qsl((request.body or b"").decode()))


async def test_post_event_is_delivered_signed_with_retry_count_zero(
    rt: Runtime, account: Account
) -> None:
    transport = MockTransport()
    engine = engine_for(rt, transport)
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    message = await post_message(rt, account)
    assert await run_once(engine) == 1
    (request,) = transport.requests
    params = form(request)
    assert params["MessageSid"] == message["sid"] and params["RetryCount"] == "0"
    headers = dict(request.headers)
    assert headers["X-Twilio-Signature"] and headers["I-Twilio-Idempotency-Token"]
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"], row["last_status"]) == ("delivered", 1, 200)


async def test_filters_decide_what_is_sent(rt: Runtime, account: Account) -> None:
    transport = MockTransport()
    engine = engine_for(rt, transport)
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onConversationAdded"])
    await post_message(rt, account)
    await run_once(engine)
    assert [form(r)["EventType"] for r in transport.requests] == []  # creation was not SDK-fired
    assert await delivery_rows(rt, account) == []


async def test_twilio_policy_retries_a_connect_failure_once_with_the_same_token(
    rt: Runtime, account: Account
) -> None:
    # Twilio's defaults: rc=1, rp=ct (retry once, on connection failures only).
    refused = OutboundResponse(None, error="connection refused", error_kind="connect")
    transport = MockTransport(lambda request: refused)
    engine = engine_for(rt, transport)
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    await post_message(rt, account)
    await run_once(engine)
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert await run_once(engine) == 0, "the retry is not due yet"
    rt.clock.advance(1.5)  # type: ignore[attr-defined]
    assert await run_once(engine) == 1
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"]) == ("failed", 2)
    tokens = {dict(r.headers)["I-Twilio-Idempotency-Token"] for r in transport.requests}
    assert len(tokens) == 1
    assert [form(r)["RetryCount"] for r in transport.requests] == ["0", "1"]


async def test_a_5xx_is_final_unless_the_fragment_asks_for_retries(
    rt: Runtime, account: Account
) -> None:
    transport = MockTransport(lambda request: OutboundResponse(500))
    engine = engine_for(rt, transport)
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    await post_message(rt, account)
    await run_once(engine)
    assert [r["status"] for r in await delivery_rows(rt, account)] == ["failed"]
    await configure(rt, account, post_webhook_url=POST_URL + "#rc=3&rp=5xx")
    await post_message(rt, account)
    for _ in range(4):
        await run_once(engine)
        rt.clock.advance(2)  # type: ignore[attr-defined]
    rows = await delivery_rows(rt, account)
    assert [(r["status"], r["attempts"]) for r in rows] == [("failed", 1), ("failed", 4)]
    assert {r.url for r in transport.requests} == {POST_URL}, "the fragment is never sent"


async def test_durable_policy_honours_retry_after(rt: Runtime, account: Account) -> None:
    answers = [OutboundResponse(429, headers=[("Retry-After", "120")]), OutboundResponse(200)]
    transport = MockTransport(lambda request: answers.pop(0))
    engine = engine_for(rt, transport, retry_policy="durable")
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    await post_message(rt, account)
    await run_once(engine)
    (row,) = await delivery_rows(rt, account)
    assert row["next_attempt_at"] == pytest.approx(rt.now_ts() + 120, abs=1)
    rt.clock.advance(60)  # type: ignore[attr-defined]
    assert await run_once(engine) == 0
    rt.clock.advance(61)  # type: ignore[attr-defined]
    assert await run_once(engine) == 1
    (row,) = await delivery_rows(rt, account)
    assert (row["status"], row["attempts"]) == ("delivered", 2)


async def test_a_busy_endpoint_does_not_hold_up_others(rt: Runtime, account: Account) -> None:
    release = asyncio.Event()

    async def answer(request: OutboundRequest) -> OutboundResponse:
        if "slow" in request.url:
            await release.wait()
        return OutboundResponse(200)

    transport = MockTransport(answer)
    engine = engine_for(rt, transport, per_endpoint_concurrency=8)
    await configure(rt, account, post_webhook_url="http://slow.test/", filters=["onMessageAdded"])
    for _ in range(4):
        await post_message(rt, account)
    service_url = "http://fast.test/"
    await configure(rt, account, post_webhook_url=service_url)
    for _ in range(3):
        await post_message(rt, account)
    assert await engine.worker.claim_and_start() == 2 + 2, "a URL never heard from starts at 2"
    fast = "http://fast.test:80"
    await until(lambda: engine.worker.slots.hosts[fast] == 0)
    # The slow endpoint still holds its two; the fast one has room again.
    assert await engine.worker.claim_and_start() == 1
    await until(lambda: engine.worker.slots.hosts[fast] == 0)
    assert len([r for r in transport.requests if "fast" in r.url]) == 3
    assert len([r for r in transport.requests if "slow" in r.url]) == 2
    release.set()
    await asyncio.gather(*engine.worker._tasks)


async def test_retries_never_starve_first_attempts(rt: Runtime, account: Account) -> None:
    transport = MockTransport(lambda r: OutboundResponse(503))
    engine = engine_for(rt, transport, per_endpoint_concurrency=100)
    retrying = POST_URL + "#rc=5&rp=5xx"
    await configure(rt, account, post_webhook_url=retrying, filters=["onMessageAdded"])
    for _ in range(3):
        await post_message(rt, account)
    while await run_once(engine):  # a new URL starts with two slots
        pass
    rt.clock.advance(5)  # type: ignore[attr-defined]
    fresh = await post_message(rt, account)
    engine.worker.max_in_flight = 1
    assert await run_once(engine) == 1
    assert form(transport.requests[-1])["MessageSid"] == fresh["sid"]
    engine.worker.max_in_flight = 10
    assert await run_once(engine) == 3, "then the three due retries"


async def test_pre_event_rejection_stores_nothing(rt: Runtime, account: Account) -> None:
    transport = MockTransport(lambda r: OutboundResponse(403))
    engine_for(rt, transport)
    await configure(
        rt, account, pre_webhook_url=PRE_URL, post_webhook_url=POST_URL,
        filters=["onMessageAdd", "onMessageAdded"],
    )  # fmt: skip
    ids = (account.sid, account.default_service_sid)
    conv = await conversation_with_alice(rt, account)
    with pytest.raises(ActionRejected) as rejected:
        await messages.create(rt, SDK, *ids, str(conv["sid"]), {"body": "spam"})
    assert rejected.value.code == 50350
    async with rt.store.read() as tx:
        assert await tx.count("message", conversation_sid=conv["sid"]) == 0
    kinds = [row["target"] for row in await delivery_rows(rt, account)]
    assert kinds == ["pre"], "the rejected pre-event is logged, no post-event is queued"


async def test_pre_event_answer_modifies_only_allowed_fields(rt: Runtime, account: Account) -> None:
    answer = OutboundResponse(200, body=b'{"body": "[redacted]", "index": 99, "author": "bot"}')
    engine_for(rt, MockTransport(lambda r: answer))
    await configure(rt, account, pre_webhook_url=PRE_URL, filters=["onMessageAdd"])
    message = await post_message(rt, account, "secret")
    assert (message["body"], message["author"], message["index"]) == ("[redacted]", "bot", 0)


async def test_pre_event_timeout_lets_the_action_proceed_unchanged(
    rt: Runtime, account: Account
) -> None:
    timeout = OutboundResponse(None, error="timed out", error_kind="total")
    engine_for(rt, MockTransport(lambda r: timeout))
    await configure(rt, account, pre_webhook_url=PRE_URL, filters=["onMessageAdd"])
    message = await post_message(rt, account, "hello")
    assert message["body"] == "hello"


async def test_a_hung_scoped_webhook_never_blocks_other_deliveries(
    rt: Runtime, account: Account
) -> None:
    release = asyncio.Event()

    async def answer(request: OutboundRequest) -> OutboundResponse:
        if "hung" in request.url:
            await release.wait()
        return OutboundResponse(200)

    transport = MockTransport(answer)
    engine = engine_for(rt, transport)
    engine.worker.max_in_flight = 4  # a small claim window makes the old bug show at once
    await configure(rt, account, post_webhook_url=POST_URL, filters=["onMessageAdded"])
    ids = (account.sid, account.default_service_sid)
    conv = await conversation_with_alice(rt, account)
    fields = WebhookFields(target="webhook", url="http://hung.test/", filters=["onMessageAdded"])
    await scoped_webhooks.create(rt, Actor(), *ids, str(conv["sid"]), fields)
    for n in range(12):
        await messages.create(rt, SDK, *ids, str(conv["sid"]), {"body": str(n)})

    def sent() -> int:
        return len([r for r in transport.requests if "receiver.test" in r.url])

    async with asyncio.timeout(30):
        while sent() < 12:
            await engine.worker.claim_and_start()
            await asyncio.sleep(0.01)
    assert sent() == 12
    assert len([r for r in transport.requests if "hung" in r.url]) == 1, "one at a time"
    release.set()
    await asyncio.gather(*engine.worker._tasks)
