"""Event Streams data from the parameters hookline really emits: a scenario runs every
Conversations action on a real store, and each post-event's data is checked against the
schema of every version of its type."""

from __future__ import annotations

import jsonschema
import pytest

from hookline.domain import conversations, messages, participants, receipts, users
from hookline.domain.accounts import Account
from hookline.domain.events import Event, RecordingSink
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.stream_data import cloudevent_data, twilio_time
from hookline.domain.stream_types import EVENT_TYPES, get_type, schema_document
from hookline.exceptions import UnknownStreamType

API = Actor.rest(True)
SDK = Actor(source="SDK", client_identity="alice", webhooks=True)
MEDIA = "ME" + "0" * 31 + "7"


async def _scenario(rt: Runtime, account: Account) -> list[Event]:
    """Every post-event hookline emits, with attribute values that are not strings, media,
    an SMS binding and a state change."""
    ids = (account.sid, account.default_service_sid)
    await users.create(
        rt, API, *ids, {"identity": "alice", "attributes": '{"tier": 2, "vip": true, "n": null}'}
    )
    await users.update(rt, API, *ids, "alice", {"friendly_name": "Alice"})
    conv = await conversations.create(
        rt,
        API,
        *ids,
        {"friendly_name": "Support", "unique_name": "s-1", "attributes": '{"topic": "billing"}'},
    )
    conv_sid = str(conv["sid"])
    await participants.create(rt, API, *ids, conv_sid, {"identity": "alice"})
    sms = await participants.create(
        rt,
        API,
        *ids,
        conv_sid,
        {
            "messaging_binding_address": "+15550001111",
            "messaging_binding_proxy_address": "+15550002",
        },
    )
    message = await messages.create(
        rt,
        SDK,
        *ids,
        conv_sid,
        {"body": "hello", "media_sid": MEDIA, "attributes": '{"n": 1, "tags": ["a"]}'},
    )
    await messages.update(rt, API, *ids, conv_sid, str(message["sid"]), {"body": "hello again"})
    await participants.update(
        rt, API, *ids, conv_sid, "alice", {"last_read_message_index": "0", "attributes": "[1]"}
    )
    await receipts.set_status(rt, *ids, conv_sid, str(message["sid"]), sms["sid"], "delivered")
    await conversations.update(rt, API, *ids, conv_sid, {"state": "inactive"})
    await messages.delete(rt, API, *ids, conv_sid, str(message["sid"]))
    await participants.delete(rt, API, *ids, conv_sid, str(sms["sid"]))
    await conversations.delete(rt, API, *ids, conv_sid)
    assert isinstance(rt.sink, RecordingSink)
    return [event for event in rt.sink.events if not event.is_pre]


async def test_data_of_every_post_event_validates_against_every_version(
    rt: Runtime, account: Account
) -> None:
    posted = await _scenario(rt, account)
    seen: set[str] = set()
    for event in posted:
        for event_type in EVENT_TYPES:
            if event_type.post_event != event.name:
                continue
            seen.add(event_type.type)
            for version in event_type.versions:
                data = cloudevent_data(event_type.type, version, event.params)
                schema = schema_document(event_type.schema_id, version)
                jsonschema.validate(data, schema, cls=jsonschema.Draft7Validator)
                assert data["AccountSid"] == account.sid
                # Nothing the webhook carried that the schema has a place for is lost.
                assert set(data) >= _expected_keys(event, schema["properties"])
    assert seen == {t.type for t in EVENT_TYPES}, "the scenario must emit every type"


def _expected_keys(event: Event, properties: dict[str, object]) -> set[str]:
    renamed = {"Body": "MessageBody", "isOnline": "IsOnline", "isNotifiable": "IsNotifiable"}
    keys = {renamed.get(name.split(".")[0], name.split(".")[0]) for name in event.params}
    expected = keys & set(properties)
    if event.params.get("Attributes", "{}").lstrip().startswith("["):
        expected.discard("Attributes")  # not a JSON object: the schema has no place for it
    return expected


async def test_message_data_is_named_and_typed_as_the_schema_says(
    rt: Runtime, account: Account
) -> None:
    posted = await _scenario(rt, account)
    added = next(e for e in posted if e.name == "onMessageAdded")
    data = cloudevent_data("com.twilio.conversations.message.added", 2, added.params)
    assert data["MessageBody"] == "hello" and "Body" not in data
    assert data["Index"] == 0
    assert data["Attributes"] == {"n": "1", "tags": '["a"]'}
    assert data["Media"] == [{"MediaSid": MEDIA, "Size": 0}]
    assert data["Author"] == "alice"
    assert data["DateCreated"] == twilio_time(added.params["DateCreated"])
    assert data["DateCreated"].endswith(".000Z")
    for absent in ("EventType", "Source", "ClientIdentity", "ChatServiceSid", "RetryCount"):
        assert absent not in data


async def test_user_participant_and_state_data(rt: Runtime, account: Account) -> None:
    posted = await _scenario(rt, account)
    by_name = {e.name: e for e in posted}
    user = cloudevent_data(
        "com.twilio.conversations.user.updated", 1, by_name["onUserUpdated"].params
    )
    assert user["IsOnline"] is False and user["IsNotifiable"] is False
    assert user["Attributes"] == {"tier": "2", "vip": "true", "n": "null"}
    sms = next(
        e
        for e in posted
        if e.name == "onParticipantAdded" and "MessagingBinding.Address" in e.params
    )
    participant = cloudevent_data("com.twilio.conversations.participant.added", 2, sms.params)
    assert participant["MessagingBinding"] == {
        "Address": "+15550001111",
        "ProxyAddress": "+15550002",
        "Type": "SMS",
    }
    state = cloudevent_data(
        "com.twilio.conversations.conversation-state.updated",
        2,
        by_name["onConversationStateUpdated"].params,
    )
    assert (state["StateFrom"], state["StateTo"], state["Reason"]) == ("active", "inactive", "API")
    receipt = cloudevent_data(
        "com.twilio.conversations.delivery.updated", 1, by_name["onDeliveryUpdated"].params
    )
    assert receipt["ErrorCode"] == 0 and receipt["Status"] == "delivered"
    assert receipt["ChatServiceSid"] == account.default_service_sid


def test_malformed_values_are_left_out_not_guessed() -> None:
    data = cloudevent_data(
        "com.twilio.conversations.message.added",
        1,
        {"Index": "x", "Attributes": "{", "Media": '{"Sid": "ME1"}', "DateCreated": "soon"},
    )
    assert data == {"DateCreated": "soon"}


@pytest.mark.parametrize(
    ("type_name", "version", "message"),
    [
        ("com.twilio.conversations.message.read", 1, "Unknown Event Streams type"),
        ("com.twilio.conversations.message.added", 3, "MessageAdded.*version 3"),
    ],
)
def test_unknown_type_or_version_raises(type_name: str, version: int, message: str) -> None:
    with pytest.raises(UnknownStreamType, match=message):
        cloudevent_data(type_name, version, {"AccountSid": "AC1"})


def test_twilio_time() -> None:
    assert twilio_time("2026-01-01T00:00:00Z") == "2026-01-01T00:00:00.000Z"
    assert twilio_time("2026-01-01T01:00:00.1234+01:00") == "2026-01-01T00:00:00.123Z"
    assert get_type("com.twilio.conversations.user.added").post_event == "onUserAdded"
