"""``Configuration.ReplayAfter``: re-send ``onMessageAdded`` for existing messages.

hookline's choice: replays go to the new webhook only, in index order, inside the
transaction that creates it, so they are queued before any newer message's event. They
carry ``Source=API`` and are not otherwise marked (Twilio documents no marker).
"""

from __future__ import annotations

from dataclasses import replace

from hookline.domain.events import event
from hookline.domain.messages import event_params
from hookline.domain.runtime import Actor, Runtime
from hookline.store import Tx
from hookline.types import Record


async def replay(rt: Runtime, tx: Tx, conv: Record, webhook: Record, from_index: int) -> int:
    actor = Actor(source="API", webhooks=True)
    existing = await tx.find("message", conversation_sid=conv["sid"])
    chosen = sorted((m for m in existing if m["index"] >= from_index), key=lambda m: m["index"])
    for message in chosen:
        built = event(
            "onMessageAdded",
            actor,
            account_sid=conv["account_sid"],
            chat_service_sid=conv["chat_service_sid"],
            conversation_sid=conv["sid"],
            params=event_params(message, conv, "onMessageAdded"),
        )
        await rt.sink.after(tx, replace(built, only_webhook_sid=webhook["sid"]))
    return len(chosen)
