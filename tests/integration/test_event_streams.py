"""Event Streams end to end: a real server (manual clock), the official twilio SDK (every
Events v1 and Conversations response checked against Twilio's specs), a real sink receiver.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

import hookline
from hookline.domain import stream_types
from tests.conftest import reset_postgres
from tests.integration.test_twilio_node import node_project  # noqa: F401 (a fixture)
from tests.support.control import call, deliveries, recorded
from tests.support.openapi import ContractChecker, install_validation
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, start_server

MESSAGE_ADDED = "com.twilio.conversations.message.added"
CONVERSATION_ADDED = "com.twilio.conversations.conversation.added"
TEST_EVENT = "com.twilio.eventstreams.test-event"


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """``hookline serve --manual-clock`` on SQLite, and on PostgreSQL when the run has one."""
    database_url = None
    if request.param == "postgres":
        database_url = os.environ.get("HOOKLINE_TEST_POSTGRES_URL")
        if not database_url:
            pytest.skip("HOOKLINE_TEST_POSTGRES_URL is not set (.ci/run sets it)")
        asyncio.run(reset_postgres(database_url))
    process = start_server(tmp_path, database_url, "--manual-clock")
    yield process
    process.stop()


@pytest.fixture
def sdk(server: ServerProcess) -> Iterator[Any]:
    client = hookline.client(server.base_url, server.account_sid, server.auth_token)
    checker: ContractChecker = install_validation(client)
    yield client
    assert checker.checked > 0
    assert not checker.failures, "\n".join(str(f) for f in checker.failures)


@pytest.fixture
def sink_receiver(receiver: Receiver, server: ServerProcess) -> Receiver:
    receiver.auth_token = server.auth_token  # it checks each request's signature
    return receiver


def webhook_sink(sdk: Any, receiver: Receiver, **config: Any) -> Any:
    configuration = {"destination": receiver.url("/sink"), "method": "POST"} | config
    return sdk.events.v1.sinks.create(
        description="hookline test sink", sink_configuration=configuration, sink_type="webhook"
    )


def subscribe(sdk: Any, sink_sid: str, *types: str, version: int = 1) -> Any:
    return sdk.events.v1.subscriptions.create(
        description="hookline test subscription",
        sink_sid=sink_sid,
        types=[{"type": name, "schema_version": version} for name in types],
    )


def advance(server: ServerProcess, seconds: float) -> None:
    status, body = call(server, "POST", "/_hookline/clock", {"Seconds": str(seconds)})
    assert status == 200, body


def sink_rows(server: ServerProcess, event_type: str) -> list[dict[str, Any]]:
    rows = deliveries(server, EventType=event_type)
    return [row for row in rows if row["target"] == "sink"]


def test_a_message_reaches_a_tested_validated_sink_as_a_signed_cloudevent(
    server: ServerProcess, sdk: Any, sink_receiver: Receiver
) -> None:
    sink = webhook_sink(sdk, sink_receiver, batch_events=False)
    assert sink.status == "active" and sink.sink_type == "webhook"

    assert sdk.events.v1.sinks(sink.sid).sink_test.create().result == "submitted"
    (test,) = sink_receiver.wait_for(1, path="/sink", event=TEST_EVENT)
    assert test.signature_valid
    test_id = test.cloudevents[0]["data"]["test_id"]
    validated = sdk.events.v1.sinks(sink.sid).sink_validate.create(test_id=test_id)
    assert validated.result == "valid"
    assert sdk.events.v1.sinks(sink.sid).fetch().status == "active"

    subscription = subscribe(sdk, sink.sid, MESSAGE_ADDED)
    (subscribed,) = sdk.events.v1.subscriptions(subscription.sid).subscribed_events.list()
    assert (subscribed.type, subscribed.schema_version) == (MESSAGE_ADDED, 1)

    # No X-Twilio-Webhook-Enabled: Event Streams hear REST changes all the same.
    conversation = sdk.conversations.v1.conversations.create(friendly_name="streams")
    message = conversation.messages.create(author="alice", body="hello sink")

    (arrived,) = sink_receiver.wait_for(1, path="/sink", event=MESSAGE_ADDED)
    event = arrived.json
    assert isinstance(event, dict)  # batch_events false: one CloudEvent per request
    assert event["specversion"] == "1.0"
    assert event["type"] == MESSAGE_ADDED
    assert event["dataschema"] == "https://events-schemas.twilio.com/Conversations.MessageAdded/1"
    assert event["id"] and event["source"] and event["time"]
    schema = stream_types.schema_document("Conversations.MessageAdded", 1)
    jsonschema.validate(event["data"], schema)
    assert event["data"]["MessageSid"] == message.sid
    assert event["data"]["MessageBody"] == "hello sink"

    # The user's code: twilio's RequestValidator on the URL as received and the raw body.
    assert "bodySHA256=" in arrived.url
    validator = RequestValidator(server.auth_token)
    signature = arrived.headers["X-Twilio-Signature"]
    assert validator.validate(arrived.url, arrived.body.decode(), signature)
    assert not validator.validate(arrived.url, arrived.body.decode() + " ", signature)
    assert arrived.headers["Content-Type"].startswith("application/json")

    # conversation.added happened first, but nothing subscribed to it: no row, no request.
    assert sink_rows(server, CONVERSATION_ADDED) == []
    assert sink_receiver.matching(path="/sink", event=CONVERSATION_ADDED) == []
    (row,) = sink_rows(server, MESSAGE_ADDED)
    assert row["webhook_sid"] == sink.sid
    # The attempt is recorded just after the receiver answered: wait for the record.
    assert recorded(server, row["sid"])["status"] == "delivered"


def test_a_sink_that_is_down_for_a_while_loses_nothing(
    server: ServerProcess, sdk: Any, sink_receiver: Receiver
) -> None:
    sink = webhook_sink(sdk, sink_receiver)  # batch_events by default: arrays
    subscribe(sdk, sink.sid, MESSAGE_ADDED)
    healthy = sdk.events.v1.sinks.create(
        description="another sink, up",
        sink_configuration={"destination": sink_receiver.url("/healthy")},
        sink_type="webhook",
    )
    subscribe(sdk, healthy.sid, MESSAGE_ADDED)
    sink_receiver.respond("/sink", 503)  # the sink's app is down
    conversation = sdk.conversations.v1.conversations.create()
    bodies = [f"message {n}" for n in range(3)]
    for body in bodies:
        conversation.messages.create(author="alice", body=body)
    sink_receiver.wait_for(3, path="/sink", event=MESSAGE_ADDED)  # each first attempt failed
    # Per-sink isolation: the other sink got all three meanwhile, without the clock moving.
    assert len(sink_receiver.wait_for(3, path="/healthy", event=MESSAGE_ADDED)) == 3
    advance(server, 60)  # a minute down: the retries fail too
    sink_receiver.wait_for(4, path="/sink", event=MESSAGE_ADDED)

    sink_receiver.respond("/sink", 200)  # back up
    deadline = time.monotonic() + 60
    while True:
        rows = [row for row in sink_rows(server, MESSAGE_ADDED) if row["webhook_sid"] == sink.sid]
        if len(rows) == 3 and all(row["status"] == "delivered" for row in rows):
            break
        assert not [row for row in rows if row["status"] == "failed"], rows
        assert time.monotonic() < deadline, rows
        advance(server, 120)  # past the longest backoff step (5 min cap is reached later)
        time.sleep(0.05)
    delivered = {
        event["data"]["MessageBody"]
        for received in sink_receiver.matching(path="/sink", event=MESSAGE_ADDED)
        if received.headers and received.signature_valid
        for event in received.cloudevents
    }
    assert delivered == set(bodies)
    assert all(isinstance(r.json, list) for r in sink_receiver.matching(path="/sink"))


def test_bad_input_answers_twilio_errors(server: ServerProcess, sdk: Any) -> None:
    def refused(call_: Any) -> TwilioRestException:
        with pytest.raises(TwilioRestException) as caught:
            call_()
        assert caught.value.status in (400, 404), caught.value
        return caught.value

    sinks = sdk.events.v1.sinks
    for destination in ("not a url", "/relative/path", "ftp://example.com/x"):
        error = refused(
            lambda d=destination: sinks.create(
                description="bad", sink_configuration={"destination": d}, sink_type="webhook"
            )
        )
        assert error.status == 400 and "destination" in error.msg
    kinesis = sinks.create(
        description="aws",
        sink_configuration={"arn": "arn:x", "role_arn": "arn:y", "external_id": "z"},
        sink_type="kinesis",
    )
    assert kinesis.status == "initialized"
    error = refused(lambda: subscribe(sdk, kinesis.sid, MESSAGE_ADDED))
    assert error.status == 400 and "kinesis" in error.msg
    error = refused(lambda: sdk.events.v1.sinks(kinesis.sid).sink_test.create())
    assert error.status == 400

    missing = "DG" + "0" * 32
    error = refused(lambda: subscribe(sdk, missing, MESSAGE_ADDED))
    assert error.status == 404 and error.code == 20404
    error = refused(lambda: sdk.events.v1.sinks(missing).fetch())
    assert error.status == 404

    status, body = call(
        server,
        "POST",
        "/v1/Sinks",
        {
            "Description": "ok",
            "SinkType": "webhook",
            "SinkConfiguration": json.dumps({"destination": "http://127.0.0.1:9/x"}),
        },
    )
    assert status == 201, body
    sink_sid = body["sid"]
    error = refused(lambda: subscribe(sdk, sink_sid, "com.twilio.conversations.nothing.added"))
    assert error.status == 400 and "Unknown event type" in error.msg
    error = refused(lambda: subscribe(sdk, sink_sid, MESSAGE_ADDED, version=99))
    assert error.status == 400 and "version" in error.msg
    many = [json.dumps({"type": MESSAGE_ADDED, "schema_version": 1})] * 101
    status, body = call(
        server,
        "POST",
        "/v1/Subscriptions",
        [("Description", "x"), ("SinkSid", sink_sid)] + [("Types", t) for t in many],
    )
    assert status == 400 and body["code"] == 20001 and "100" in body["message"], body


def test_listen_sink_subscribes_itself_to_every_conversations_type(
    server: ServerProcess, sdk: Any, tmp_path: Path
) -> None:
    from tests.integration.test_workbench_cli import Process, _env
    from tests.support.server import free_port

    port = free_port()
    listener = Process(
        ["listen", "--port", str(port), "--sink"], _env(server), tmp_path / "listen.log"
    )
    try:
        listener.wait_for(lambda text: "listening on" in text and "subscription" in text)
        (subscription,) = sdk.events.v1.subscriptions.list()
        subscribed = sdk.events.v1.subscriptions(subscription.sid).subscribed_events.list()
        emitted = {kind.type for kind in stream_types.EVENT_TYPES if kind.emitted}
        assert {entry.type for entry in subscribed} == emitted
        conversation = sdk.conversations.v1.conversations.create(friendly_name="listened")
        conversation.messages.create(author="ann", body="to the listener")
        text = listener.wait_for(lambda text: MESSAGE_ADDED in text)
        assert CONVERSATION_ADDED in text and "to the listener" in text
        assert "signature valid" in text and "INVALID" not in text
    finally:
        listener.stop()


def test_the_readme_example_runs(server: ServerProcess, tmp_path: Path) -> None:
    import re
    import subprocess
    import sys

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Event Streams: sinks, subscriptions, CloudEvents", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match and "events_demo.py" in match.group(1)
    script = tmp_path / "events_demo.py"
    script.write_text(match.group(1))
    env = os.environ | {
        "HOOKLINE_URL": server.base_url,
        "HOOKLINE_ACCOUNT_SID": server.account_sid,
        "HOOKLINE_AUTH_TOKEN": server.auth_token,
    }
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "validate: valid",
        "com.twilio.conversations.message.added hello, stream",
    ]


def test_every_events_resource_through_the_sdk(server: ServerProcess, sdk: Any) -> None:
    events = sdk.events.v1
    # Types and schemas, read-only, from the catalogue.
    types = events.event_types.list()
    assert {t.type for t in types} == {k.type for k in stream_types.EVENT_TYPES}
    assert len(events.event_types.list(page_size=5)) == len(types)  # pages followed
    message_types = events.event_types.list(schema_id="Conversations.MessageAdded")
    assert [t.type for t in message_types] == [MESSAGE_ADDED]
    assert events.event_types(MESSAGE_ADDED).fetch().schema_id == "Conversations.MessageAdded"
    schema = events.schemas("Conversations.MessageAdded").fetch()
    assert schema.latest_version == 2
    versions = events.schemas("Conversations.MessageAdded").versions.list()
    assert [v.schema_version for v in versions] == [1, 2]
    one = events.schemas("Conversations.MessageAdded").versions(1).fetch()
    assert one.raw == "https://events-schemas.twilio.com/Conversations.MessageAdded/1"
    status, document = call(server, "GET", "/v1/Schemas/Conversations.MessageAdded/Versions/1/Raw")
    assert status == 200 and "MessageBody" in document["properties"]

    # Sinks: create, fetch, list with filters, update; subscriptions and subscribed events.
    config = {"destination": "http://127.0.0.1:9/unused", "method": "POST"}
    used = events.sinks.create(description="used", sink_configuration=config, sink_type="webhook")
    idle = events.sinks.create(description="idle", sink_configuration=config, sink_type="webhook")
    assert events.sinks(used.sid).fetch().sink_configuration["destination"] == config["destination"]
    subscription = subscribe(sdk, used.sid, MESSAGE_ADDED, CONVERSATION_ADDED)
    assert [s.sid for s in events.sinks.list(in_use=True)] == [used.sid]
    assert [s.sid for s in events.sinks.list(in_use=False)] == [idle.sid]
    assert {s.sid for s in events.sinks.list(status="active")} == {used.sid, idle.sid}
    assert events.sinks.list(status="failed") == []
    assert events.sinks(idle.sid).update(description="renamed").description == "renamed"

    assert events.subscriptions(subscription.sid).fetch().sink_sid == used.sid
    assert [s.sid for s in events.subscriptions.list(sink_sid=used.sid)] == [subscription.sid]
    assert events.subscriptions.list(sink_sid=idle.sid) == []
    renamed = events.subscriptions(subscription.sid).update(description="all messages")
    assert renamed.description == "all messages"

    subscribed = events.subscriptions(subscription.sid).subscribed_events
    added = subscribed.create(type="com.twilio.conversations.message.updated")
    assert added.schema_version == 2  # the latest when not given
    assert subscribed(MESSAGE_ADDED).update(schema_version=2).schema_version == 2
    assert subscribed(MESSAGE_ADDED).fetch().schema_version == 2
    assert subscribed(CONVERSATION_ADDED).delete()
    assert {e.type for e in subscribed.list()} == {
        MESSAGE_ADDED,
        "com.twilio.conversations.message.updated",
    }
    with pytest.raises(TwilioRestException) as caught:
        subscribed(CONVERSATION_ADDED).fetch()
    assert caught.value.status == 404

    # A sink in use cannot be deleted; once its subscription is gone it can.
    with pytest.raises(TwilioRestException) as caught:
        events.sinks(used.sid).delete()
    assert caught.value.status == 400
    assert events.subscriptions(subscription.sid).delete()
    assert events.sinks(used.sid).delete()
    assert [s.sid for s in events.sinks.list()] == [idle.sid]


def test_a_sink_down_for_more_than_four_hours_gives_up(
    server: ServerProcess, sdk: Any, sink_receiver: Receiver
) -> None:
    sink = webhook_sink(sdk, sink_receiver)
    subscribe(sdk, sink.sid, MESSAGE_ADDED)
    sink_receiver.respond("/sink", 503)
    sdk.conversations.v1.conversations.create().messages.create(author="a", body="lost")
    (row,) = sink_rows(server, MESSAGE_ADDED)
    detail = recorded(server, row["sid"])
    moved = 0.0
    while detail["status"] != "failed":
        assert moved < 5 * 3600, "still retrying after five hours"
        advance(server, 400)  # more than the longest backoff step: one more attempt is due
        moved += 400
        # Wait for that attempt (its record), so the clock never runs ahead of the worker.
        detail = recorded(server, row["sid"], attempts=len(detail["attempt_log"]) + 1)
    assert moved >= 4 * 3600 - 400
    assert len(detail["attempt_log"]) > 10  # it kept trying all along


def test_queued_sink_events_survive_a_server_restart(
    server: ServerProcess, sdk: Any, sink_receiver: Receiver, tmp_path: Path
) -> None:
    sink = webhook_sink(sdk, sink_receiver)
    subscribe(sdk, sink.sid, MESSAGE_ADDED)
    sink_receiver.respond("/sink", 503)
    sdk.conversations.v1.conversations.create().messages.create(author="a", body="kept")
    (row,) = sink_rows(server, MESSAGE_ADDED)
    assert recorded(server, row["sid"])["status"] == "pending"  # first attempt failed
    server.stop()  # SIGTERM, with the event still queued for the sink
    sink_receiver.respond("/sink", 200)
    (tmp_path / "again").mkdir()
    again = start_server(tmp_path / "again", server.database_url, "--manual-clock")
    try:
        advance(again, 3600)  # the new process's clock: the retry is due
        detail = recorded(again, row["sid"], attempts=2)
        assert detail["status"] == "delivered", detail
        last = sink_receiver.matching(path="/sink")[-1]
        assert last.signature_valid and last.cloudevents[0]["data"]["MessageBody"] == "kept"
    finally:
        again.stop()


def test_a_batching_sink_gets_one_request_per_action(
    server: ServerProcess, sdk: Any, sink_receiver: Receiver
) -> None:
    participant_added = "com.twilio.conversations.participant.added"
    batching = webhook_sink(sdk, sink_receiver)  # batch_events true by default
    single = sdk.events.v1.sinks.create(
        description="one event per request",
        sink_configuration={"destination": sink_receiver.url("/single"), "batch_events": False},
        sink_type="webhook",
    )
    for sink in (batching, single):
        subscribe(sdk, sink.sid, CONVERSATION_ADDED, participant_added)
    # One action, three post-events: the conversation and its two participants.
    created = sdk.conversations.v1.conversation_with_participants.create(
        friendly_name="batch",
        participant=[json.dumps({"identity": "ann"}), json.dumps({"identity": "bob"})],
    )
    singles = sink_receiver.wait_for(3, path="/single")
    assert all(isinstance(r.json, dict) and r.signature_valid for r in singles)
    (batch,) = sink_receiver.wait_for(1, path="/sink")
    assert batch.signature_valid and isinstance(batch.json, list)
    types = [event["type"] for event in batch.cloudevents]
    assert types == [CONVERSATION_ADDED, participant_added, participant_added]
    assert {event["data"]["ConversationSid"] for event in batch.cloudevents} == {created.sid}
    assert len({event["id"] for event in batch.cloudevents}) == 3
    assert sorted(r.cloudevents[0]["type"] for r in singles) == sorted(types)


NODE_SCRIPT = """
const twilio = require("twilio");
const client = twilio(process.env.HOOKLINE_ACCOUNT_SID, process.env.HOOKLINE_AUTH_TOKEN);
client.conversations.baseUrl = process.env.HOOKLINE_URL;
client.events.baseUrl = process.env.HOOKLINE_URL;

async function main() {
  const sink = await client.events.v1.sinks.create({
    description: "node sink",
    sinkType: "webhook",
    sinkConfiguration: { destination: process.env.SINK_URL, method: "POST" },
  });
  await client.events.v1.subscriptions.create({
    description: "node subscription",
    sinkSid: sink.sid,
    types: [{ type: "com.twilio.conversations.message.added", schema_version: 1 }],
  });
  const conversation = await client.conversations.v1.conversations.create({});
  const message = await client.conversations.v1
    .conversations(conversation.sid)
    .messages.create({ author: "node", body: "hello from node" });
  console.log(JSON.stringify({ sink: sink.sid, status: sink.status, message: message.sid }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
"""


@pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None, reason="needs node and npm"
)
def test_twilio_node_reaches_events_with_its_base_url(
    server: ServerProcess,
    sink_receiver: Receiver,
    node_project: Path,  # noqa: F811 (test_twilio_node's fixture, imported above)
) -> None:
    import subprocess

    script = node_project / "events.js"
    script.write_text(NODE_SCRIPT)
    env = os.environ | {
        "HOOKLINE_URL": server.base_url,
        "HOOKLINE_ACCOUNT_SID": server.account_sid,
        "HOOKLINE_AUTH_TOKEN": server.auth_token,
        "SINK_URL": sink_receiver.url("/sink"),
    }
    run = subprocess.run(
        ["node", str(script)], capture_output=True, text=True, timeout=120, env=env
    )
    assert run.returncode == 0, run.stdout + run.stderr
    created = json.loads(run.stdout.strip().splitlines()[-1])
    assert created["status"] == "active"
    (arrived,) = sink_receiver.wait_for(1, path="/sink", event=MESSAGE_ADDED)
    assert arrived.signature_valid
    assert arrived.cloudevents[0]["data"]["MessageSid"] == created["message"]
