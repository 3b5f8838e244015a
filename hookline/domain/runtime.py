"""What every domain action needs: the store, time, identity and the event sink."""

from __future__ import annotations

from dataclasses import dataclass, field

from hookline.clock import Clock, SystemClock, iso
from hookline.domain.events import EventSink, RecordingSink
from hookline.sids import RandomSids, SidSource
from hookline.store import Store


@dataclass
class Runtime:
    store: Store
    clock: Clock = field(default_factory=SystemClock)
    sids: SidSource = field(default_factory=RandomSids)
    sink: EventSink = field(default_factory=RecordingSink)

    def now_iso(self) -> str:
        return iso(self.clock.now())

    def now_ts(self) -> float:
        return self.clock.now().timestamp()


@dataclass(frozen=True)
class Actor:
    """Who performs an action, as Twilio would report it in ``Source``/``ClientIdentity``.

    REST calls are ``API`` and fire webhooks only with ``X-Twilio-Webhook-Enabled: true``;
    act-as-participant calls (``/_hookline/act``) are ``SDK``/``SMS``/``WHATSAPP`` and always do.
    """

    source: str = "API"
    client_identity: str | None = None
    webhooks: bool = False

    @classmethod
    def rest(cls, webhook_enabled: bool) -> Actor:
        return cls(source="API", client_identity=None, webhooks=webhook_enabled)
