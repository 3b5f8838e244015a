from __future__ import annotations

import jsonschema
import pytest

from hookline.domain import stream_types
from hookline.domain.events import POST_EVENTS, PRE_EVENTS
from hookline.domain.stream_types import (
    EVENT_TYPES,
    find_schema,
    find_schema_version,
    find_type,
    get_type,
    schema_document,
    schema_versions,
    types_for_post_event,
    types_for_schema,
)
from hookline.exceptions import NotFound, UnknownStreamType

VERSIONS = [(t, v) for t in EVENT_TYPES for v in t.versions]


def test_the_twelve_documented_conversations_types_and_the_discontinued_one() -> None:
    available = {t.type for t in EVENT_TYPES if t.status == "available"}
    assert available == {
        "com.twilio.conversations.conversation-state.updated",
        "com.twilio.conversations.conversation.added",
        "com.twilio.conversations.conversation.removed",
        "com.twilio.conversations.conversation.updated",
        "com.twilio.conversations.message.added",
        "com.twilio.conversations.message.removed",
        "com.twilio.conversations.message.updated",
        "com.twilio.conversations.participant.added",
        "com.twilio.conversations.participant.removed",
        "com.twilio.conversations.participant.updated",
        "com.twilio.conversations.user.added",
        "com.twilio.conversations.user.updated",
    }
    delivery = get_type("com.twilio.conversations.delivery.updated")
    assert delivery.status == "discontinued" and not delivery.emitted
    assert len({t.schema_id for t in EVENT_TYPES}) == len(EVENT_TYPES)
    assert all(t.product_name == "Conversations" and t.versions == (1, 2) for t in EVENT_TYPES)


def test_every_post_event_with_a_stream_type_maps_to_exactly_one() -> None:
    for name in POST_EVENTS - {"onDeliveryUpdated"}:
        (found,) = types_for_post_event(name)
        assert found.post_event == name and found.emitted
    assert types_for_post_event("onDeliveryUpdated") == ()
    for name in PRE_EVENTS:
        assert types_for_post_event(name) == ()
    assert {t.post_event for t in EVENT_TYPES} == POST_EVENTS


def test_lookups() -> None:
    added = find_type("com.twilio.conversations.message.added")
    assert added is not None
    assert added.schema_id == "Conversations.MessageAdded" and added.post_event == "onMessageAdded"
    assert added.latest_version == 2
    assert added.dataschema(1) == "https://events-schemas.twilio.com/Conversations.MessageAdded/1"
    assert find_type("com.twilio.conversations.message.read") is None
    assert types_for_schema("Conversations.MessageAdded") == (added,)
    assert types_for_schema("Messaging.MessageStatus") == ()
    assert tuple(sorted(t.schema_id for t in EVENT_TYPES)) == stream_types.SCHEMA_IDS


def test_schema_versions_carry_what_the_schema_version_resource_shows() -> None:
    first, second = schema_versions("Conversations.UserAdded")
    assert (first.id, first.schema_version, second.schema_version) == (
        "Conversations.UserAdded",
        1,
        2,
    )
    assert second.raw == "https://events-schemas.twilio.com/Conversations.UserAdded/2"
    assert first.date_created.endswith("Z") and first.date_created < second.date_created
    assert schema_versions("Conversations.Nope") == ()
    assert find_schema_version("Conversations.UserAdded", 3) is None
    assert find_schema_version("Conversations.UserAdded", 2) == second
    schema = find_schema("Conversations.UserAdded")
    assert schema is not None and schema.latest_version == 2
    assert schema.latest_version_date_created == second.date_created
    assert find_schema("Conversations.Nope") is None


@pytest.mark.parametrize(("event_type", "version"), VERSIONS, ids=lambda x: str(x))
def test_every_schema_document_is_a_draft7_schema_named_by_its_url(
    event_type: stream_types.EventType, version: int
) -> None:
    document = schema_document(event_type.schema_id, version)
    jsonschema.Draft7Validator.check_schema(document)
    assert document["$id"] == event_type.dataschema(version)
    assert document["type"] == "object" and document["additionalProperties"] is False
    assert "AccountSid" in document["properties"]
    # Every document says what it was made from (docs/twilio-behaviour.md lists it too).
    assert document["$comment"].startswith("hookline: ")
    for example in document.get("examples", []):
        jsonschema.validate(example, document, cls=jsonschema.Draft7Validator)
    assert ("examples" in document) == (version == 2)


def test_versions_differ_only_in_metadata() -> None:
    for event_type in EVENT_TYPES:
        one, two = (schema_document(event_type.schema_id, v) for v in (1, 2))
        assert one["properties"] == two["properties"]


def test_schema_documents_are_fresh_copies() -> None:
    document = schema_document("Conversations.MessageAdded", 1)
    document["properties"].clear()
    assert schema_document("Conversations.MessageAdded", 1)["properties"]


@pytest.mark.parametrize(
    ("schema_id", "version"),
    [("Conversations.MessageAdded", 3), ("Conversations.MessageAdded", 0), ("Nope.Nope", 1)],
)
def test_unknown_schema_or_version_is_a_clear_not_found(schema_id: str, version: int) -> None:
    with pytest.raises(UnknownStreamType, match=f"{schema_id}.*version {version}") as caught:
        schema_document(schema_id, version)
    assert isinstance(caught.value, NotFound) and caught.value.status == 404


def test_unknown_type_is_a_clear_not_found() -> None:
    with pytest.raises(UnknownStreamType, match=r"com\.twilio\.conversations\.message\.read"):
        get_type("com.twilio.conversations.message.read")
