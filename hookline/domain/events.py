"""The event catalogue and the one emission point every action calls.

Names and pairs: docs/webhook-events.md §1.1 (10 pre-events, 13 post-events, 23 filter values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from hookline.naming import snake
from hookline.types import Params

if TYPE_CHECKING:
    from hookline.domain.runtime import Actor
    from hookline.domain.streams import SinkDelivery
    from hookline.store import Tx

PRE_TO_POST: dict[str, str] = {
    "onMessageAdd": "onMessageAdded",
    "onMessageUpdate": "onMessageUpdated",
    "onMessageRemove": "onMessageRemoved",
    "onConversationAdd": "onConversationAdded",
    "onConversationUpdate": "onConversationUpdated",
    "onConversationRemove": "onConversationRemoved",
    "onParticipantAdd": "onParticipantAdded",
    "onParticipantUpdate": "onParticipantUpdated",
    "onParticipantRemove": "onParticipantRemoved",
    "onUserUpdate": "onUserUpdated",
}
PRE_EVENTS: frozenset[str] = frozenset(PRE_TO_POST)
POST_EVENTS: frozenset[str] = frozenset(PRE_TO_POST.values()) | {
    "onConversationStateUpdated",
    "onDeliveryUpdated",
    "onUserAdded",
}
ALL_EVENTS: frozenset[str] = PRE_EVENTS | POST_EVENTS

#: Post-events a conversation-scoped webhook can receive (docs/webhook-events.md §1.2, the
#: AutoCreation.WebhookFilters list): conversation creation and user events never belong
#: to an existing conversation, so hookline refuses them as scoped filters (50365).
SCOPED_EVENTS: frozenset[str] = frozenset(
    {
        "onMessageAdded",
        "onMessageUpdated",
        "onMessageRemoved",
        "onConversationUpdated",
        "onConversationStateUpdated",
        "onConversationRemoved",
        "onParticipantAdded",
        "onParticipantUpdated",
        "onParticipantRemoved",
        "onDeliveryUpdated",
    }
)

#: What a pre-event hook's 200 JSON may change (docs/webhook-events.md §3): documented snake_case
#: keys mapped to the wire parameter they replace. hookline also accepts the PascalCase
#: wire names (unconfirmed on Twilio; harmless). Other pre-events can only allow or reject.
MODIFIABLE: dict[str, frozenset[str]] = {
    "onMessageAdd": frozenset({"body", "author", "attributes"}),
    "onMessageUpdate": frozenset({"body", "author", "attributes"}),
    "onConversationAdd": frozenset({"friendly_name"}),
    "onConversationUpdate": frozenset({"friendly_name"}),
}


def modifications(name: str, answer: Mapping[str, Any]) -> dict[str, Any]:
    """What a pre-event answer may change, by field name: only the fields Twilio lets
    ``name`` modify (the answer may call them ``body`` or ``Body``)."""
    allowed = MODIFIABLE.get(name, frozenset())
    return {snake(key): value for key, value in answer.items() if snake(key) in allowed}


@dataclass(frozen=True)
class Event:
    """One event: Twilio's parameters plus the scope routing needs."""

    name: str
    account_sid: str
    chat_service_sid: str | None
    conversation_sid: str | None
    params: Params
    source: str = "API"
    #: For trigger webhooks: the new message's body (already in params, kept explicit).
    message_body: str | None = None
    #: Set for a ReplayAfter replay: deliver to this conversation-scoped webhook only.
    only_webhook_sid: str | None = None

    @property
    def is_pre(self) -> bool:
        return self.name in PRE_EVENTS


def event(
    name: str,
    actor: Actor,
    *,
    account_sid: str,
    chat_service_sid: str | None,
    conversation_sid: str | None,
    params: dict[str, str | None],
) -> Event:
    """An event with the common parameters (docs/webhook-events.md §1.4); ``None`` values are left
    out of the wire parameters (hookline's choice for Twilio's "optional" fields)."""
    wire: Params = {"AccountSid": account_sid, "EventType": name, "Source": actor.source}
    if actor.client_identity is not None and actor.source == "SDK":
        wire["ClientIdentity"] = actor.client_identity
    wire.update({key: value for key, value in params.items() if value is not None})
    return Event(
        name=name,
        account_sid=account_sid,
        chat_service_sid=chat_service_sid,
        conversation_sid=conversation_sid,
        params=wire,
        source=actor.source,
        message_body=params.get("Body"),
    )


class EventSink(Protocol):
    """Where events go. The delivery package implements it; tests may record instead."""

    async def before(self, event: Event) -> Params:
        """Run the pre-event gate; return the modified fields, raise ActionRejected."""
        ...

    async def after(self, tx: Tx, event: Event) -> None:
        """Record the post-event and its outbox rows inside the action's transaction."""
        ...

    async def stream(self, tx: Tx, event: Event) -> None:
        """A post-event that fires no webhook (the actor did not enable them): queue it to
        the Event Streams sinks subscribed to it, which do not depend on that."""
        ...

    async def queue_stream(self, tx: Tx, deliveries: list[SinkDelivery], event_sid: str) -> None:
        """Queue CloudEvents to sinks (e.g. a Sink Test's test event) inside ``tx``."""
        ...

    async def gates(self, tx: Tx, event: Event) -> bool:
        """Whether :meth:`before` would call anyone for ``event`` (its params unused): an
        action with no gate can read and write in one transaction."""
        ...

    async def begin(self, tx: Tx) -> list[object]:
        """An action's transaction ``tx`` opened: write what :meth:`before` logged for this
        action into it (first: the log keeps the pre-event before the post-event). Returns
        what was written, for :meth:`rolled_back`."""
        ...

    def rolled_back(self, written: list[object]) -> None:
        """The transaction :meth:`begin` wrote ``written`` into failed: write it elsewhere."""
        ...

    def finished(self) -> None:
        """A request ended: what :meth:`before` logged and no action wrote is written now."""
        ...

    async def settled(self) -> None:
        """Wait until what :meth:`before` logged is written (readers of the log ask)."""
        ...

    def committed(self, tx: Tx | None = None) -> None:
        """``tx`` committed: wake whoever delivers if it queued deliveries. Without ``tx``:
        something else became due (a resend, a moved clock); wake them anyway."""
        ...


class RecordingSink:
    """An EventSink that only remembers events (unit tests, and the domain before wiring)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.streamed: list[SinkDelivery] = []

    async def before(self, event: Event) -> Params:
        self.events.append(event)
        return {}

    async def after(self, tx: Tx, event: Event) -> None:
        self.events.append(event)

    async def stream(self, tx: Tx, event: Event) -> None:
        return None  # only what webhooks hear is recorded here

    async def queue_stream(self, tx: Tx, deliveries: list[SinkDelivery], event_sid: str) -> None:
        self.streamed.extend(deliveries)

    async def gates(self, tx: Tx, event: Event) -> bool:
        return True  # so ``before`` records every pre-event

    async def begin(self, tx: Tx) -> list[object]:
        return []

    def rolled_back(self, written: list[object]) -> None:
        return None

    def finished(self) -> None:
        return None

    async def settled(self) -> None:
        return None

    def committed(self, tx: Tx | None = None) -> None:
        return None
