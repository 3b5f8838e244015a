"""The ``data`` of an Event Streams CloudEvent, built from a post-event's webhook parameters.

Webhooks carry flat form fields (``Body``, ``Index="3"``, ``MessagingBinding.Address``,
``Attributes='{"a": 1}'``); Event Streams carries JSON shaped by the type's schema
(``MessageBody``, ``Index: 3``, ``MessagingBinding: {"Address": ...}``, ``Attributes:
{"a": "1"}``). The schema itself drives the conversion: a parameter becomes data only if
the schema has a property for it (the schemas forbid others), converted to the property's
type. The choices where Twilio is silent are in docs/twilio-behaviour.md ("Event Streams
data").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hookline.clock import parse_iso
from hookline.domain.stream_types import get_type, schema_document

#: Webhook parameter names that Event Streams spells differently.
RENAMED: dict[str, str] = {
    "Body": "MessageBody",
    "isOnline": "IsOnline",
    "isNotifiable": "IsNotifiable",
}
#: Webhook media objects name the media's SID ``Sid``; Event Streams says ``MediaSid``.
MEDIA_RENAMED: dict[str, str] = {"Sid": "MediaSid"}
#: Timestamps, rendered as Twilio's Event Streams examples render them (milliseconds, Z).
DATES: frozenset[str] = frozenset({"DateCreated", "DateUpdated", "StateUpdated"})


class _Skip:
    """A value with no place in the data (unparseable, or of the wrong JSON shape)."""


SKIP = _Skip()


def cloudevent_data(
    type_name: str, schema_version: int, params: Mapping[str, str]
) -> dict[str, Any]:
    """The CloudEvent ``data`` of an event of ``type_name`` in ``schema_version``, from the
    webhook parameters of its post-event. Raises :class:`UnknownStreamType` for an unknown
    type or version. Parameters the schema has no property for (``EventType``, ``Source``,
    ``ChatServiceSid``, ``RetryCount``...) are left out."""
    event_type = get_type(type_name)
    properties: dict[str, Any] = schema_document(event_type.schema_id, schema_version)["properties"]
    data: dict[str, Any] = {}
    for name, text in params.items():
        key, dot, sub = name.partition(".")
        key = RENAMED.get(key, key)
        spec = properties.get(key)
        if spec is None:
            continue
        if dot:
            sub_spec = spec.get("properties", {}).get(sub)
            if sub_spec is None:
                continue
            value = convert(sub, text, sub_spec)
            if not isinstance(value, _Skip):
                data.setdefault(key, {})[sub] = value
            continue
        value = convert(key, text, spec)
        if not isinstance(value, _Skip):
            data[key] = value
    return data


def convert(name: str, text: str, spec: Mapping[str, Any]) -> Any:
    """One webhook parameter's text as the JSON value ``spec`` (a schema property) wants."""
    kind = spec.get("type")
    if kind == "integer":
        return _integer(text)
    if kind == "boolean":
        return text.strip().lower() == "true"
    if kind == "object":
        return _object(text, spec)
    if kind == "array":
        return _array(text, spec)
    if name in DATES:
        return twilio_time(text)
    return text


def twilio_time(text: str) -> str:
    """``2026-01-01T00:00:00Z`` as ``2026-01-01T00:00:00.000Z``; text that is no
    timestamp is passed on unchanged (the schemas only ask for a string)."""
    try:
        moment = parse_iso(text)
    except ValueError:
        return text
    millis = moment.microsecond // 1000
    return f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def _integer(text: str) -> int | _Skip:
    try:
        return int(text.strip())
    except ValueError:
        return SKIP


def _object(text: str, spec: Mapping[str, Any]) -> dict[str, Any] | _Skip:
    """A JSON object parameter (``Attributes``). The schemas type attribute values as
    strings: a value that is no string goes as its JSON text (``1`` becomes ``"1"``)."""
    value = _parsed(text)
    if not isinstance(value, dict):
        return SKIP
    if spec.get("additionalProperties") == {"type": "string"}:
        return {key: item if isinstance(item, str) else _json(item) for key, item in value.items()}
    return _shaped(value, spec)


def _array(text: str, spec: Mapping[str, Any]) -> list[Any] | _Skip:
    """A JSON array parameter (``Media``), each object renamed and typed as ``items`` says."""
    value = _parsed(text)
    if not isinstance(value, list):
        return SKIP
    item_spec = spec.get("items", {})
    items = []
    for item in value:
        if isinstance(item, dict):
            renamed = {MEDIA_RENAMED.get(str(key), str(key)): field for key, field in item.items()}
            items.append(_shaped(renamed, item_spec))
    return items


def _parsed(text: str) -> Any:
    """The JSON value of ``text``; SKIP when it is no JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return SKIP


def _shaped(value: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """The members of a parsed JSON object that ``spec`` has properties for, typed; null
    members are left out (the schemas allow no null)."""
    properties = spec.get("properties", {})
    shaped: dict[str, Any] = {}
    for key, item in value.items():
        item_spec = properties.get(key)
        if item_spec is None or item is None:
            continue
        typed = _typed(item, item_spec)
        if not isinstance(typed, _Skip):
            shaped[key] = typed
    return shaped


def _typed(item: Any, spec: Mapping[str, Any]) -> Any:
    kind = spec.get("type")
    if kind == "integer":
        return item if isinstance(item, int) and not isinstance(item, bool) else _integer(str(item))
    if kind == "string":
        return item if isinstance(item, str) else _json(item)
    if kind == "boolean":
        return item if isinstance(item, bool) else str(item).lower() == "true"
    return item


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
