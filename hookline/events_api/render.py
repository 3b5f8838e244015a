"""Each Events v1 resource's JSON, as the spec documents it, with ``url`` and ``links``
pointing at this server."""

from __future__ import annotations

from hookline.domain import stream_types
from hookline.types import Record
from hookline.web.call import Call

SINK_SHAPE = (
    "date_created",
    "date_updated",
    "description",
    "sid",
    "sink_configuration",
    "sink_type",
    "status",
)
SUBSCRIPTION_SHAPE = (
    "account_sid",
    "sid",
    "date_created",
    "date_updated",
    "description",
    "sink_sid",
)


def sink(call: Call, record: Record) -> Record:
    url = f"{call.base_url}/v1/Sinks/{record['sid']}"
    links = {"sink_test": f"{url}/Test", "sink_validate": f"{url}/Validate"}
    return {name: record.get(name) for name in SINK_SHAPE} | {"url": url, "links": links}


def subscription(call: Call, record: Record) -> Record:
    url = f"{call.base_url}/v1/Subscriptions/{record['sid']}"
    links = {"subscribed_events": f"{url}/SubscribedEvents"}
    body = {name: record.get(name) for name in SUBSCRIPTION_SHAPE}
    return body | {"url": url, "links": links}


def subscribed_event(call: Call, record: Record) -> Record:
    url = (
        f"{call.base_url}/v1/Subscriptions/{record['subscription_sid']}"
        f"/SubscribedEvents/{record['type']}"
    )
    return {
        "account_sid": record["account_sid"],
        "type": record["type"],
        "schema_version": record["schema_version"],
        "subscription_sid": record["subscription_sid"],
        "url": url,
    }


def event_type(call: Call, kind: stream_types.EventType) -> Record:
    return {
        "type": kind.type,
        "schema_id": kind.schema_id,
        "date_created": kind.date_created,
        "date_updated": kind.date_updated,
        "description": kind.description,
        "status": kind.status,
        "documentation_url": kind.documentation_url,
        "url": f"{call.base_url}/v1/Types/{kind.type}",
        "links": {"schema": f"{call.base_url}/v1/Schemas/{kind.schema_id}/Versions"},
    }


def schema(call: Call, found: stream_types.Schema) -> Record:
    url = f"{call.base_url}/v1/Schemas/{found.id}"
    return {
        "id": found.id,
        "url": url,
        "links": {"versions": f"{url}/Versions"},
        "latest_version_date_created": found.latest_version_date_created,
        "latest_version": found.latest_version,
    }


def schema_version(call: Call, version: stream_types.SchemaVersion) -> Record:
    return {
        "id": version.id,
        "schema_version": version.schema_version,
        "date_created": version.date_created,
        "url": f"{call.base_url}/v1/Schemas/{version.id}/Versions/{version.schema_version}",
        "raw": version.raw,
    }
