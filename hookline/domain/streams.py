"""Event Streams routing: which sinks a post-event goes to, as which CloudEvents.

A Conversations post-event (``onMessageAdded`` …) becomes the Event Streams type the
catalogue maps it to (:mod:`hookline.domain.stream_types`); every subscription of the
account naming that type sends it, in the schema version it subscribed, to its sink. One
sink subscribed to a type twice (two subscriptions) gets the event once, in the highest
version asked for. Kinesis and Segment sinks are never routed to (hookline cannot deliver
there; subscriptions to them are refused).

The CloudEvent (docs/twilio-behaviour.md, "Event Streams"): ``specversion`` 1.0, ``type``,
``source`` (the resource's REST path), ``id`` (hookline's event SID, the one the event log
shows), ``dataschema`` (the subscribed schema version's URL), ``datacontenttype``
``application/json``, ``time``, and ``data`` as the schema says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hookline.domain import stream_data, stream_types
from hookline.domain.events import Event
from hookline.store import Tx
from hookline.types import Record

TEST_EVENT_TYPE = "com.twilio.eventstreams.test-event"
TEST_SCHEMA = "https://events-schemas.twilio.com/EventStreams.TestSink/1"


@dataclass(frozen=True)
class SinkDelivery:
    """CloudEvents going to one sink in one request (a batch) or one request each."""

    account_sid: str
    sink_sid: str
    destination: str
    method: str
    batch: bool
    #: The CloudEvent ``type`` (the outbox row's event type).
    type: str
    events: tuple[dict[str, Any], ...]
    conversation_sid: str | None = None


def sink_delivery(
    sink: Record, type_name: str, events: list[dict[str, Any]], conversation_sid: str | None
) -> SinkDelivery:
    config = sink["sink_configuration"]
    return SinkDelivery(
        account_sid=sink["account_sid"],
        sink_sid=sink["sid"],
        destination=config["destination"],
        method=config.get("method", "POST"),
        batch=bool(config.get("batch_events", True)),
        type=type_name,
        events=tuple(events),
        conversation_sid=conversation_sid,
    )


def source(params: Any) -> str:
    """The REST path of the resource the event is about (the CloudEvent ``source``)."""
    conversation = params.get("ConversationSid")
    if params.get("MessageSid") and conversation:
        return f"/v1/Conversations/{conversation}/Messages/{params['MessageSid']}"
    if params.get("ParticipantSid") and conversation:
        return f"/v1/Conversations/{conversation}/Participants/{params['ParticipantSid']}"
    if conversation:
        return f"/v1/Conversations/{conversation}"
    if params.get("UserSid"):
        service = params.get("ChatServiceSid")
        prefix = f"/v1/Services/{service}" if service else "/v1"
        return f"{prefix}/Users/{params['UserSid']}"
    return "/v1"


def cloudevent(
    kind: stream_types.EventType, version: int, params: Any, *, event_id: str, time: str
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "type": kind.type,
        "source": source(params),
        "id": event_id,
        "dataschema": kind.dataschema(version),
        "datacontenttype": "application/json",
        "time": time,
        "data": stream_data.cloudevent_data(kind.type, version, params),
    }


def test_event(test_id: str, *, event_id: str, time: str, sink_sid: str) -> dict[str, Any]:
    """What Sink Test sends: a CloudEvent carrying ``test_id`` (to give to Validate)."""
    return {
        "specversion": "1.0",
        "type": TEST_EVENT_TYPE,
        "source": f"/v1/Sinks/{sink_sid}/Test",
        "id": event_id,
        "dataschema": TEST_SCHEMA,
        "datacontenttype": "application/json",
        "time": time,
        "data": {"test_id": test_id},
    }


def subscribed_version(subscription: Record, type_name: str) -> int | None:
    for entry in subscription.get("types") or []:
        if entry["type"] == type_name:
            return int(entry["schema_version"])
    return None


async def route(tx: Tx, event: Event, *, event_id: str, time: str) -> list[SinkDelivery]:
    """The sink deliveries ``event`` makes (none for pre-events and unmapped post-events)."""
    kinds = stream_types.types_for_post_event(event.name)
    if not kinds or event.only_webhook_sid is not None:  # a replay to one scoped webhook
        return []
    subscriptions = await tx.find("subscription", account_sid=event.account_sid)
    if not subscriptions:
        return []
    found: list[SinkDelivery] = []
    for kind in kinds:
        versions: dict[str, int] = {}
        for subscription in subscriptions:
            version = subscribed_version(subscription, kind.type)
            if version is not None:
                sink_sid = subscription["sink_sid"]
                versions[sink_sid] = max(version, versions.get(sink_sid, 0))
        for sink_sid, version in sorted(versions.items()):
            sink = await tx.get("sink", sid=sink_sid)
            if sink is None or not deliverable(sink):
                continue
            envelope = cloudevent(kind, version, event.params, event_id=event_id, time=time)
            found.append(sink_delivery(sink, kind.type, [envelope], event.conversation_sid))
    return found


def deliverable(sink: Record) -> bool:
    """Whether events can be sent to ``sink``: an active webhook sink."""
    return bool(sink["sink_type"] == "webhook" and sink["status"] == "active")
