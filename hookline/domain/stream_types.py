"""Twilio Event Streams (Events v1): the Conversations event types and their schemas.

The catalogue is Twilio's "Event types list" (docs/events/event-types, Conversations
section): twelve ``com.twilio.conversations.*`` types, each with a JSON Schema published at
``https://events-schemas.twilio.com/<schema_id>/<version>`` in versions 1 and 2 (Twilio:
"v2 only contains updates to the schema metadata"). The schema documents live as JSON files
in ``stream_schemas/`` (package data); where they come from, and which parts hookline had to
reconstruct, is in docs/twilio-behaviour.md ("Event Streams types and schemas").

A thirteenth type, ``com.twilio.conversations.delivery.updated``, is listed with status
``discontinued``: Twilio still documents it but says Event Streams supports every
Conversations post-event "except for onDeliveryUpdated", so hookline never emits it
(:func:`types_for_post_event` leaves it out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from hookline.exceptions import UnknownStreamType

PRODUCT_NAME = "Conversations"
SCHEMAS_HOST = "https://events-schemas.twilio.com"
DOCS = "https://www.twilio.com/docs/events/event-types/conversations"

#: When hookline says the types and schema versions were created (the Types and Schemas
#: resources show them). Twilio does not publish these dates: the v1 date is hookline's
#: choice, the v2 date that of the v2 examples on Twilio's event type pages.
V1_CREATED = "2022-03-01T00:00:00Z"
V2_CREATED = "2025-10-08T00:00:00Z"
VERSION_CREATED: dict[int, str] = {1: V1_CREATED, 2: V2_CREATED}


@dataclass(frozen=True)
class EventType:
    """One Event Streams type, as the Events v1 Types resource shows it."""

    #: e.g. ``com.twilio.conversations.message.added``
    type: str
    #: e.g. ``Conversations.MessageAdded``
    schema_id: str
    #: The published schema versions, oldest first.
    versions: tuple[int, ...]
    #: The Types resource's human readable ``description``.
    description: str
    #: The hookline post-event (docs/webhook-events.md §1.1) this type is built from.
    post_event: str
    #: Twilio's documentation page for the type (the Types resource's ``documentation_url``).
    documentation_url: str
    product_name: str = PRODUCT_NAME
    #: The Types resource's ``status``: every Conversations type is ``available``.
    status: str = "available"
    date_created: str = V1_CREATED
    date_updated: str = V2_CREATED

    @property
    def emitted(self) -> bool:
        """Whether hookline sends events of this type (not for discontinued types)."""
        return self.status == "available"

    @property
    def latest_version(self) -> int:
        return self.versions[-1]

    def dataschema(self, version: int) -> str:
        """The CloudEvent ``dataschema`` (and schema version ``raw``) URL of ``version``."""
        return schema_url(self.schema_id, version)


@dataclass(frozen=True)
class SchemaVersion:
    """One version of a schema, as the Events v1 SchemaVersion resource shows it."""

    id: str
    schema_version: int
    date_created: str

    @property
    def raw(self) -> str:
        return schema_url(self.id, self.schema_version)


@dataclass(frozen=True)
class Schema:
    """One schema, as the Events v1 Schema resource shows it."""

    id: str
    latest_version: int
    latest_version_date_created: str


def _type(noun: str, verb: str, status: str = "available") -> EventType:
    """``message``, ``added``: the type ``com.twilio.conversations.message.added``, schema
    ``Conversations.MessageAdded``, from the post-event ``onMessageAdded`` (Twilio's names
    and hookline's follow one pattern)."""
    camel = "".join(part.capitalize() for part in noun.split("-")) + verb.capitalize()
    return EventType(
        type=f"com.twilio.conversations.{noun}.{verb}",
        schema_id=f"Conversations.{camel}",
        versions=(1, 2),
        description=f"Conversations- {noun.replace('-', ' ')} {verb}",
        post_event=f"on{camel}",
        documentation_url=f"{DOCS}/{noun}",
        status=status,
    )


#: Every Conversations type, in the order of Twilio's list (the discontinued one last).
EVENT_TYPES: tuple[EventType, ...] = (
    _type("conversation-state", "updated"),
    _type("conversation", "added"),
    _type("conversation", "removed"),
    _type("conversation", "updated"),
    _type("message", "added"),
    _type("message", "removed"),
    _type("message", "updated"),
    _type("participant", "added"),
    _type("participant", "removed"),
    _type("participant", "updated"),
    _type("user", "added"),
    _type("user", "updated"),
    _type("delivery", "updated", status="discontinued"),
)

_BY_TYPE: dict[str, EventType] = {t.type: t for t in EVENT_TYPES}
_BY_SCHEMA: dict[str, EventType] = {t.schema_id: t for t in EVENT_TYPES}

#: Every schema id, sorted (the Schemas resource lists them in this order).
SCHEMA_IDS: tuple[str, ...] = tuple(sorted(_BY_SCHEMA))


def find_type(type_name: str) -> EventType | None:
    """The type called ``type_name``, or None."""
    return _BY_TYPE.get(type_name)


def get_type(type_name: str) -> EventType:
    """The type called ``type_name``; :class:`UnknownStreamType` when there is none."""
    found = _BY_TYPE.get(type_name)
    if found is None:
        raise UnknownStreamType(f"Unknown Event Streams type: {type_name!r}")
    return found


def types_for_post_event(event_name: str) -> tuple[EventType, ...]:
    """The Event Streams types a hookline post-event (``onMessageAdded``) becomes: one, or
    none (pre-events, and ``onDeliveryUpdated`` whose type is discontinued)."""
    return tuple(t for t in EVENT_TYPES if t.post_event == event_name and t.emitted)


def types_for_schema(schema_id: str) -> tuple[EventType, ...]:
    """The types using ``schema_id`` (the Types list's ``SchemaId`` filter)."""
    return tuple(t for t in EVENT_TYPES if t.schema_id == schema_id)


def find_schema(schema_id: str) -> Schema | None:
    """The Schema resource of ``schema_id``, or None."""
    versions = schema_versions(schema_id)
    if not versions:
        return None
    latest = versions[-1]
    return Schema(schema_id, latest.schema_version, latest.date_created)


def schema_url(schema_id: str, version: int) -> str:
    return f"{SCHEMAS_HOST}/{schema_id}/{version}"


def schema_versions(schema_id: str) -> tuple[SchemaVersion, ...]:
    """The versions of ``schema_id``, oldest first; empty for an unknown id."""
    owner = _BY_SCHEMA.get(schema_id)
    if owner is None:
        return ()
    return tuple(SchemaVersion(schema_id, v, VERSION_CREATED[v]) for v in owner.versions)


def find_schema_version(schema_id: str, version: int) -> SchemaVersion | None:
    for found in schema_versions(schema_id):
        if found.schema_version == version:
            return found
    return None


def schema_document(schema_id: str, version: int) -> dict[str, Any]:
    """The JSON Schema Twilio publishes at ``schema_url(schema_id, version)`` (a fresh copy:
    callers may change it). :class:`UnknownStreamType` for an unknown id or version."""
    if find_schema_version(schema_id, version) is None:
        raise UnknownStreamType(f"Unknown Event Streams schema: {schema_id!r} version {version}")
    return json.loads(_schema_text(schema_id, version))  # type: ignore[no-any-return]


@cache
def _schema_text(schema_id: str, version: int) -> str:
    folder = resources.files("hookline.domain") / "stream_schemas"
    return (folder / f"{schema_id}.{version}.json").read_text(encoding="utf-8")
