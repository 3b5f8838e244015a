"""Event Streams subscriptions and routing on a real store: types parsed and checked,
which sinks an event reaches (and in which schema version), the sink test event."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hookline.domain import emit, sinks, streams, subscriptions
from hookline.domain.accounts import Account
from hookline.domain.events import RecordingSink, event
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import InvalidParameter, NotFound

MESSAGE_ADDED = "com.twilio.conversations.message.added"
REST = Actor()


def entry(name: str, version: Any = None) -> str:
    found: dict[str, Any] = {"type": name}
    if version is not None:
        found["schema_version"] = version
    return json.dumps(found)


def test_types_are_parsed_and_checked() -> None:
    parsed = subscriptions.parse_types(
        (entry(MESSAGE_ADDED, 1), MESSAGE_ADDED.replace("added", "updated"))
    )
    assert parsed == [
        {"type": MESSAGE_ADDED, "schema_version": 1},
        {"type": "com.twilio.conversations.message.updated", "schema_version": 2},
    ]
    for bad, words in [
        ((), "Missing required parameter Types"),
        ((entry("com.twilio.nothing"),), "Unknown event type"),
        ((entry(MESSAGE_ADDED, 9),), "version 9"),
        ((entry(MESSAGE_ADDED, "one"),), "integer"),
        ((entry(MESSAGE_ADDED), entry(MESSAGE_ADDED, 2)), "named twice"),
        ((entry("com.twilio.conversations.delivery.updated"),), "discontinued"),
        (("[1, 2]",), "JSON object"),
        ((entry(MESSAGE_ADDED),) * 101, "at most 100"),
    ]:
        with pytest.raises(InvalidParameter, match=words):
            subscriptions.parse_types(bad)


async def webhook_sink(rt: Runtime, account: Account, destination: str, **extra: Any) -> Any:
    config = json.dumps({"destination": destination} | extra)
    fields = sinks.SinkFields("a sink", config, "webhook")
    return await sinks.create(rt, REST, account.sid, fields)


async def test_an_event_reaches_each_subscribed_sink_once_in_its_highest_version(
    rt: Runtime, account: Account
) -> None:
    one = await webhook_sink(rt, account, "http://one.test/")
    two = await webhook_sink(rt, account, "http://two.test/", batch_events=False)
    await webhook_sink(rt, account, "http://unsubscribed.test/")
    for version in (1, 2):
        fields = subscriptions.SubscriptionFields("s", one["sid"], (entry(MESSAGE_ADDED, version),))
        await subscriptions.create(rt, REST, account.sid, fields)
    fields = subscriptions.SubscriptionFields("s", two["sid"], (entry(MESSAGE_ADDED, 1),))
    await subscriptions.create(rt, REST, account.sid, fields)

    params = {"ConversationSid": "CH" + "1" * 32, "MessageSid": "IM" + "1" * 32, "Body": "hi"}
    added = event(
        "onMessageAdded", REST, account_sid=account.sid, chat_service_sid=None,
        conversation_sid=params["ConversationSid"], params=params,
    )  # fmt: skip
    async with rt.store.read() as tx:
        found = await streams.route(tx, added, event_id="EV1", time="2026-01-01T00:00:00Z")
        pre = await streams.route(
            tx, event("onMessageAdd", REST, account_sid=account.sid, chat_service_sid=None,
                      conversation_sid=None, params={}),
            event_id="EV2", time="t",
        )  # fmt: skip
    assert pre == []
    by_sink = {d.sink_sid: d for d in found}
    assert set(by_sink) == {one["sid"], two["sid"]}
    (first,) = by_sink[one["sid"]].events
    assert first["dataschema"].endswith("/Conversations.MessageAdded/2")
    assert first["data"]["MessageBody"] == "hi" and first["id"] == "EV1"
    assert (
        first["source"] == f"/v1/Conversations/{params['ConversationSid']}/Messages/IM" + "1" * 32
    )
    assert by_sink[two["sid"]].batch is False
    assert by_sink[two["sid"]].events[0]["dataschema"].endswith("/1")


async def test_subscriptions_need_a_sink_that_delivers(rt: Runtime, account: Account) -> None:
    aws = json.dumps({"arn": "a", "role_arn": "r", "external_id": "e"})
    kinesis = await sinks.create(rt, REST, account.sid, sinks.SinkFields("k", aws, "kinesis"))
    assert kinesis["status"] == "initialized"
    with pytest.raises(InvalidParameter, match="kinesis"):
        await subscriptions.create(
            rt, REST, account.sid,
            subscriptions.SubscriptionFields("s", kinesis["sid"], (entry(MESSAGE_ADDED),)),
        )  # fmt: skip
    with pytest.raises(NotFound):
        await subscriptions.create(
            rt, REST, account.sid,
            subscriptions.SubscriptionFields("s", "DG" + "0" * 32, (entry(MESSAGE_ADDED),)),
        )  # fmt: skip
    for config, words in [
        ({"destination": "/relative"}, "absolute"),
        ({"destination": "ftp://x.test/"}, "absolute"),
        ({}, "destination is required"),
        ({"destination": "http://x.test/", "method": "PUT"}, "POST or GET"),
        ({"destination": "http://x.test/", "batch_events": "maybe"}, "true or false"),
    ]:
        with pytest.raises(InvalidParameter, match=words):
            await sinks.create(
                rt, REST, account.sid, sinks.SinkFields("w", json.dumps(config), "webhook")
            )
    with pytest.raises(InvalidParameter, match="SinkType"):
        await sinks.create(rt, REST, account.sid, sinks.SinkFields("e", "{}", "email"))


async def test_sink_test_queues_a_test_event_with_its_id(rt: Runtime, account: Account) -> None:
    sink = await webhook_sink(rt, account, "http://one.test/")
    answer = await sinks.test(rt, REST, account.sid, sink["sid"], None)
    assert answer == {"result": "submitted"}
    assert isinstance(rt.sink, RecordingSink)
    (queued,) = rt.sink.streamed
    (test_event,) = queued.events
    assert test_event["type"] == streams.TEST_EVENT_TYPE
    stored = await sinks.get(rt, account.sid, sink["sid"])
    assert test_event["data"] == {"test_id": stored["test_id"]}
    validated = await sinks.validate(
        rt, REST, account.sid, sink["sid"], {"test_id": stored["test_id"]}
    )
    assert validated == {"result": "valid"}
    with pytest.raises(InvalidParameter, match="TestId"):
        await sinks.validate(rt, REST, account.sid, sink["sid"], {})


async def test_a_rest_change_without_webhooks_still_streams(rt: Runtime, account: Account) -> None:
    """emit.post calls the sink's ``stream`` for actors that fire no webhook."""
    calls: list[str] = []

    class Sink(RecordingSink):
        async def stream(self, tx: Any, event: Any) -> None:
            calls.append(event.name)

    rt.sink = Sink()
    async with emit.action(rt) as tx:
        await emit.post(rt, tx, REST, "onMessageAdded", emit.Scope(account.sid), {})
    assert calls == ["onMessageAdded"] and rt.sink.events == []
