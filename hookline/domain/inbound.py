"""An inbound SMS or WhatsApp message, as Twilio's Conversations handles one.

The message goes to the open conversation (``active`` or ``inactive``) that has a
participant with the sender's address and the receiving proxy address. Failing that, an
Address Configuration of the receiving address with auto-creation enabled creates one, in
this order (docs/twilio-behaviour.md):

1. ``onConversationAdd`` (pre; carries the binding and ``MessageBody``), then the conversation
   and ``onConversationAdded``;
2. the conversation-scoped webhook (``webhook`` or ``studio`` auto-creation), so every later
   step reaches it too;
3. ``onParticipantAdd`` / ``onParticipantAdded``: the sender, bound to the proxy address;
4. ``onMessageAdd`` / ``onMessageAdded``: the message, ``Source`` ``SMS`` or ``WHATSAPP``.

Each step is the domain action REST uses, with an actor whose webhooks always fire.
"""

from __future__ import annotations

from dataclasses import dataclass

from hookline.domain import (
    address_configurations,
    conversations,
    emit,
    messages,
    participants,
    scoped_webhooks,
)
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.scoped_webhooks import WebhookFields
from hookline.exceptions import Conflict, Duplicate, InvalidParameter, NotFound
from hookline.store import Tx
from hookline.types import Record

WHATSAPP = "whatsapp:"
OPEN_STATES = ("active", "inactive")
#: A participant with this address and proxy address is in another open conversation.
BINDING_TAKEN = 50416


@dataclass(frozen=True)
class InboundMessage:
    sender: str | None
    to: str | None
    body: str | None = None
    media_sid: str | None = None


@dataclass(frozen=True)
class Received:
    conversation: Record
    participant: Record
    message: Record
    created: bool


def addresses(message: InboundMessage) -> tuple[str, str, str]:
    """``(From, To, Source)``; a WhatsApp sender makes ``To`` a WhatsApp address too."""
    sender, to = (message.sender or "").strip(), (message.to or "").strip()
    if not sender:
        raise InvalidParameter("Missing required parameter From")
    if not to:
        raise InvalidParameter("Missing required parameter To")
    if sender.startswith(WHATSAPP) != to.startswith(WHATSAPP):
        if not sender.startswith(WHATSAPP):
            raise InvalidParameter("From and To must both be WhatsApp addresses or neither")
        to = WHATSAPP + to
    return sender, to, "WHATSAPP" if sender.startswith(WHATSAPP) else "SMS"


async def _open_participant(tx: Tx, account_sid: str, sender: str, to: str) -> Record | None:
    for participant in await tx.find("participant", account_sid=account_sid, address=sender):
        binding = participant.get("messaging_binding") or {}
        if binding.get("proxy_address") != to:
            continue
        conv = await tx.get("conversation", sid=participant["conversation_sid"])
        if conv is not None and conv["state"] in OPEN_STATES:
            return participant
    return None


def _message_fields(message: InboundMessage) -> dict[str, str]:
    fields = {"body": message.body, "media_sid": message.media_sid}
    return {key: value for key, value in fields.items() if value}


async def receive(
    rt: Runtime, account_sid: str, default_service_sid: str, message: InboundMessage
) -> Received:
    sender, to, source = addresses(message)
    fields = _message_fields(message)
    if not fields:
        raise InvalidParameter("An inbound message needs Body or MediaSid", code=50011)
    actor = Actor(source=source, client_identity=sender, webhooks=True)
    async with rt.store.read() as tx:
        participant = await _open_participant(tx, account_sid, sender, to)
        config = await address_configurations.matching(tx, account_sid, to)
    created = participant is None
    if participant is None:
        auto = (config or {}).get("auto_creation") or {}
        if not auto.get("enabled"):
            raise NotFound(
                f"No open conversation has a participant with address {sender} and proxy "
                f"address {to}, and no address configuration with auto-creation enabled "
                f"matches {to}"
            )
        service_sid = auto.get("conversation_service_sid") or default_service_sid
        participant, created = await _auto_create(
            rt, actor, account_sid, service_sid, to, auto, fields
        )
    service_sid = participant["chat_service_sid"]
    conv_sid = participant["conversation_sid"]
    added = await messages.create(rt, actor, account_sid, service_sid, conv_sid, fields)
    conv = await conversations.get(rt, account_sid, service_sid, conv_sid)
    return Received(conv, participant, added, created)


async def _auto_create(
    rt: Runtime,
    actor: Actor,
    account_sid: str,
    service_sid: str,
    to: str,
    auto: Record,
    fields: dict[str, str],
) -> tuple[Record, bool]:
    """Create the conversation, attach its scoped webhook, add the sender: the participant,
    and whether the conversation is the one created here."""
    sender = str(actor.client_identity)
    pre_extra: dict[str, str | None] = {
        "MessagingBinding.Address": sender,
        "MessagingBinding.ProxyAddress": to,
        "MessageBody": fields.get("body"),
        "Media": messages.media_param({"media": messages.media_of(fields)}),
    }
    conv, due = await conversations.prepare(rt, actor, account_sid, service_sid, {}, pre_extra)
    try:
        async with emit.action(rt) as tx:
            await conversations.insert_in(rt, tx, actor, conv, due)
    except Duplicate:
        raise conversations.unique_name_taken(conv) from None
    hook = _scoped_webhook(auto)
    if hook is not None:
        await scoped_webhooks.create(rt, actor, account_sid, service_sid, conv["sid"], hook)
    binding = {"messaging_binding_address": sender, "messaging_binding_proxy_address": to}
    try:
        added = await participants.create(rt, actor, account_sid, service_sid, conv["sid"], binding)
    except Conflict as taken:
        # Another message from the same phone created its conversation meanwhile (both
        # found none): drop ours without events, and join theirs.
        winner = await _open_member(rt, account_sid, sender, to)
        if taken.code != BINDING_TAKEN or winner is None:
            raise
        await conversations.delete(rt, Actor(), account_sid, service_sid, conv["sid"])
        return winner, False
    return added, True


async def _open_member(rt: Runtime, account_sid: str, sender: str, to: str) -> Record | None:
    async with rt.store.read() as tx:
        return await _open_participant(tx, account_sid, sender, to)


def _scoped_webhook(auto: Record) -> WebhookFields | None:
    """The conversation-scoped webhook an auto-creation ``type`` asks for, if any."""
    if auto.get("type") == "webhook":
        return WebhookFields(
            target="webhook",
            url=auto["webhook_url"],
            method=auto.get("webhook_method") or "POST",
            filters=list(auto["webhook_filters"]),
        )
    if auto.get("type") == "studio":
        return WebhookFields(target="studio", flow_sid=auto["studio_flow_sid"])
    return None
