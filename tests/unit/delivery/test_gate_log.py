"""Where a pre-event call's log entry is written: in the action's own transaction, first;
off the request path when no action writes (rejected, or the action failed)."""

from __future__ import annotations

import pytest

from hookline.delivery.transport import MockTransport, OutboundResponse
from hookline.domain import deliveries, messages
from hookline.domain.accounts import Account
from hookline.domain.runtime import Runtime
from hookline.exceptions import ActionRejected, InvalidParameter
from tests.unit.delivery.test_engine import (
    POST_URL,
    PRE_URL,
    SDK,
    configure,
    conversation_with_alice,
    engine_for,
    post_message,
)


async def test_the_entry_commits_with_the_message_before_its_post_event(
    rt: Runtime, account: Account
) -> None:
    engine_for(rt, MockTransport(lambda r: OutboundResponse(200)))
    await configure(
        rt, account, pre_webhook_url=PRE_URL, post_webhook_url=POST_URL,
        filters=["onMessageAdd", "onMessageAdded"],
    )  # fmt: skip
    await post_message(rt, account, "hello")
    # Read at once, without waiting for anything written in the background.
    async with rt.store.read() as tx:
        events = [row.event_type for row in await tx.events_page(account.sid, 0, 100, {})]
        deliveries = [row.target for row in await tx.deliveries_page(account.sid, 0, 100, {})]
    assert events[-2:] == ["onMessageAdd", "onMessageAdded"]
    assert deliveries == ["pre", "config"]


async def test_the_entry_of_an_action_that_failed_after_the_call_is_still_written(
    rt: Runtime, account: Account
) -> None:
    too_long = b'{"Body": "' + b"x" * (messages.MAX_BODY + 1) + b'"}'
    engine_for(rt, MockTransport(lambda r: OutboundResponse(200, body=too_long)))
    await configure(rt, account, pre_webhook_url=PRE_URL, filters=["onMessageAdd"])
    conv = await conversation_with_alice(rt, account)
    ids = (account.sid, account.default_service_sid, str(conv["sid"]))
    with pytest.raises(InvalidParameter):
        await messages.create(rt, SDK, *ids, {"body": "hi"})
    rt.sink.finished()  # as the HTTP layer does when a request ends
    await rt.sink.settled()
    async with rt.store.read() as tx:
        rows = await tx.deliveries_page(account.sid, 0, 100, {})
        assert await tx.count("message", conversation_sid=conv["sid"]) == 0
    assert [(row.target, row.status) for row in rows] == [("pre", "delivered")]


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [(OutboundResponse(200), "delivered"), (OutboundResponse(403, body=b'{"no": 1}'), "rejected"),
     (OutboundResponse(None, error="connect"), "failed")],
    ids=["allowed", "rejected", "unanswered"],
)  # fmt: skip
async def test_the_log_tells_a_rejection_from_a_failure(
    rt: Runtime, account: Account, answer: OutboundResponse, outcome: str
) -> None:
    """A refusal (non-2xx) is the receiver's decision, logged ``rejected``; only a call
    that got no answer is ``failed``. No pre-event call can be resent."""
    engine_for(rt, MockTransport(lambda r: answer))
    await configure(rt, account, pre_webhook_url=PRE_URL, filters=["onMessageAdd"])
    try:
        await post_message(rt, account, "hello")
    except ActionRejected:
        assert outcome == "rejected"
    rt.sink.finished()
    await rt.sink.settled()
    async with rt.store.read() as tx:
        (row,) = await tx.deliveries_page(account.sid, 0, 100, {})
    assert (row.target, row.status, row.last_status) == ("pre", outcome, answer.status)
    with pytest.raises(InvalidParameter, match="pre-event call"):
        await deliveries.resend(rt, account.sid, row.sid)
