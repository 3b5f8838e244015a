"""What every domain action needs: the store, time, identity and the event sink."""

from __future__ import annotations

from dataclasses import dataclass, field

from hookline.cache import TimedCache
from hookline.clock import Clock, SystemClock, iso
from hookline.domain.events import EventSink, RecordingSink
from hookline.sids import RandomSids, SidSource
from hookline.store import Store

#: How long a process trusts credentials it has read: a token rotated by another process
#: stops working here within this many seconds.
CREDENTIALS_TTL = 5.0


@dataclass
class Runtime:
    store: Store
    clock: Clock = field(default_factory=SystemClock)
    sids: SidSource = field(default_factory=RandomSids)
    sink: EventSink = field(default_factory=RecordingSink)
    #: Account and API-key rows by SID, briefly (see ``accounts.authenticate``).
    credentials: TimedCache = field(default_factory=lambda: TimedCache(CREDENTIALS_TTL))

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
