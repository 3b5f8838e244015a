"""The one emission point: every action calls :func:`pre` before and :func:`post` inside its
transaction. Whether webhooks fire depends on the actor (REST without
``X-Twilio-Webhook-Enabled: true`` fires none, as on Twilio); Event Streams subscriptions
hear every post-event."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from hookline.domain.events import Event, event, modifications
from hookline.domain.runtime import Actor, Runtime
from hookline.store import Tx
from hookline.types import Params


@dataclass(frozen=True)
class Scope:
    account_sid: str
    chat_service_sid: str | None = None
    conversation_sid: str | None = None


def _event(actor: Actor, name: str, scope: Scope, params: dict[str, str | None]) -> Event:
    return event(
        name,
        actor,
        account_sid=scope.account_sid,
        chat_service_sid=scope.chat_service_sid,
        conversation_sid=scope.conversation_sid,
        params=params,
    )


async def pre(
    rt: Runtime, actor: Actor, name: str, scope: Scope, params: dict[str, str | None]
) -> Params:
    """Call the pre-event gate; return only the fields Twilio lets that event modify, by
    their field names (the answer may name them ``body`` or ``Body``)."""
    if not actor.webhooks:
        return {}
    answer = await rt.sink.before(_event(actor, name, scope, params))
    return modifications(name, answer)


async def gated(rt: Runtime, tx: Tx, actor: Actor, name: str, scope: Scope) -> bool:
    """Whether :func:`pre` would call a pre-event gate for this action (read in ``tx``)."""
    if not actor.webhooks:
        return False
    return await rt.sink.gates(tx, _event(actor, name, scope, {}))


async def post(
    rt: Runtime, tx: Tx, actor: Actor, name: str, scope: Scope, params: dict[str, str | None]
) -> None:
    if not actor.webhooks:
        # Event Streams hear every change, whatever X-Twilio-Webhook-Enabled says (that
        # header is about Conversations webhooks; docs/twilio-behaviour.md).
        await rt.sink.stream(tx, _event(actor, name, scope, params))
        return
    await rt.sink.after(tx, _event(actor, name, scope, params))


@contextlib.asynccontextmanager
async def action(rt: Runtime) -> AsyncIterator[Tx]:
    """A write transaction whose post-events are woken for delivery once it commits. It
    also records the pre-event calls made for the action (:func:`pre`), first."""
    written: list[object] = []
    try:
        async with rt.store.transaction() as tx:
            written = await rt.sink.begin(tx)
            yield tx
    except BaseException:
        rt.sink.rolled_back(written)
        raise
    rt.sink.committed(tx)
