"""Participants: chat members (``Identity``) and messaging-binding members (SMS, WhatsApp).

A participant is either a chat participant (``Identity``, optionally a Group MMS
``MessagingBinding.ProjectedAddress``) or a messaging participant
(``MessagingBinding.Address``, usually with a ``MessagingBinding.ProxyAddress``). Adding a
chat participant whose identity has no User in the service creates that User (and
``onUserAdded``) in the same transaction, as Twilio does.

Validation and the conflict codes live in :mod:`hookline.domain.participant_rules`.
"""

from __future__ import annotations

from hookline.domain import conversations, emit, permissions, users
from hookline.domain import participant_rules as rules
from hookline.domain.emit import Scope
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import integer, timestamp
from hookline.exceptions import Duplicate, InvalidParameter, NotFound
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record


def binding_type(participant: Record) -> str:
    """``MessagingBinding.Type`` as webhooks carry it: ``CHAT``, ``SMS`` or ``WHATSAPP``."""
    binding = participant.get("messaging_binding")
    if participant.get("identity") or not binding:
        return "CHAT"
    return str(binding["type"]).upper()


def event_params(participant: Record, name: str) -> dict[str, str | None]:
    """Parameters of every participant event (docs/webhook-events.md §1.5/§1.6), by event name."""
    binding = participant.get("messaging_binding") or {}
    params: dict[str, str | None] = {
        "ConversationSid": participant["conversation_sid"],
        "Identity": participant.get("identity"),
        "RoleSid": participant["role_sid"],
        "Attributes": participant["attributes"],
        "MessagingBinding.ProxyAddress": binding.get("proxy_address"),
        "MessagingBinding.Address": binding.get("address"),
        "MessagingBinding.ProjectedAddress": binding.get("projected_address"),
        "MessagingBinding.Type": binding_type(participant),
    }
    if name != "onParticipantAdd":
        params["ParticipantSid"] = participant["sid"]
        params["DateCreated"] = participant["date_created"]
    if name not in ("onParticipantAdd", "onParticipantAdded"):
        params["DateUpdated"] = participant["date_updated"]
    if name == "onParticipantUpdated":
        index = participant.get("last_read_message_index")
        params["LastReadMessageIndex"] = None if index is None else str(index)
    return params


def scope_of(participant: Record) -> Scope:
    return Scope(
        participant["account_sid"], participant["chat_service_sid"], participant["conversation_sid"]
    )


async def draft(tx: Tx, rt: Runtime, conv: Record, fields: dict[str, str]) -> Record:
    """The participant ``fields`` would add to ``conv`` (not yet stored)."""
    binding = rules.new_binding(fields)
    created = timestamp(fields, "date_created", rt.now_iso())
    role_sid = await users.role_of_type(
        tx, conv["chat_service_sid"], fields.get("role_sid"), "conversation", "channel user", 50109
    )
    return {
        "sid": rt.sids.new("MB"),
        "account_sid": conv["account_sid"],
        "chat_service_sid": conv["chat_service_sid"],
        "conversation_sid": conv["sid"],
        "identity": fields.get("identity") or None,
        # The address column backs the per-conversation uniqueness and lookups by address.
        "address": (binding or {}).get("address"),
        "attributes": fields.get("attributes", "{}"),
        "messaging_binding": binding,
        "role_sid": role_sid,
        "date_created": created,
        "date_updated": timestamp(fields, "date_updated", created),
        "last_read_message_index": None,
        "last_read_timestamp": None,
        "notification_level": "default",
    }


async def add_in(rt: Runtime, tx: Tx, actor: Actor, participant: Record) -> None:
    """Store a drafted participant (creating its User if needed) and emit the post-events."""
    await rules.claim(tx, participant)
    if participant["identity"]:
        await users.ensure_in(
            rt, tx, actor, participant["account_sid"], participant["chat_service_sid"],
            participant["identity"],
        )  # fmt: skip
    await tx.insert("participant", participant)
    params = event_params(participant, "onParticipantAdded")
    await emit.post(rt, tx, actor, "onParticipantAdded", scope_of(participant), params)


async def create(
    rt: Runtime,
    actor: Actor,
    account_sid: str,
    service_sid: str,
    conv_ref: str,
    fields: dict[str, str],
) -> Record:
    rules.check(fields)
    async with rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        needs = permissions.add_participant(actor, fields)
        await permissions.enforce(tx, actor, service_sid, conv["sid"], needs)
        participant = await draft(tx, rt, conv, fields)
        # A fast error before the pre-event; rules.claim in add_in is the authoritative check.
        await rules.ensure_free(tx, participant)
    params = event_params(participant, "onParticipantAdd")
    await emit.pre(rt, actor, "onParticipantAdd", scope_of(participant), params)
    try:
        async with emit.action(rt) as tx:
            await add_in(rt, tx, actor, participant)
    except Duplicate:
        raise rules.taken(participant) from None
    return participant


async def find(tx: Tx, conv: Record, ref: str) -> Record:
    """A participant of ``conv`` by SID (MB…) or, as Twilio allows, by identity."""
    key = "sid" if is_sid(ref, "MB") else "identity"
    found = await tx.get("participant", conversation_sid=conv["sid"], **{key: ref})
    if found is None:
        raise NotFound(
            f"The requested resource /Conversations/{conv['sid']}/Participants/{ref} was not found"
        )
    return found


async def _changed(tx: Tx, rt: Runtime, participant: Record, fields: dict[str, str]) -> Record:
    updated = dict(participant)
    binding = dict(participant.get("messaging_binding") or {})
    identity = fields.get("identity")
    if identity and identity != participant.get("identity"):
        raise InvalidParameter("This participant's identity cannot be changed", code=50444)
    proxy = fields.get("messaging_binding_proxy_address")
    if proxy:
        if not binding.get("address") or rules.channel(proxy) != binding["type"]:
            raise InvalidParameter("Cannot set this ProxyAddress on this participant", code=50441)
        binding["proxy_address"] = proxy
    projected = fields.get("messaging_binding_projected_address")
    if projected:
        if not participant.get("identity"):
            raise InvalidParameter("MessagingBinding.ProjectedAddress needs an Identity")
        binding = {"type": "sms", "projected_address": projected}
    updated["messaging_binding"] = binding or None
    if fields.get("role_sid"):
        updated["role_sid"] = await users.role_of_type(
            tx, participant["chat_service_sid"], fields["role_sid"], "conversation",
            "channel user", 50109,
        )  # fmt: skip
    if "attributes" in fields:
        updated["attributes"] = fields["attributes"]
    if "notification_level" in fields:
        updated["notification_level"] = fields["notification_level"]
    if "last_read_message_index" in fields:
        updated["last_read_message_index"] = integer(
            fields["last_read_message_index"], "LastReadMessageIndex", minimum=0
        )
        updated["last_read_timestamp"] = rt.now_iso()
    updated["last_read_timestamp"] = timestamp(
        fields, "last_read_timestamp", updated["last_read_timestamp"]
    )
    updated["date_created"] = timestamp(fields, "date_created", participant["date_created"])
    updated["date_updated"] = timestamp(fields, "date_updated", rt.now_iso())
    return updated


async def update_found(
    rt: Runtime, actor: Actor, participant: Record, fields: dict[str, str]
) -> Record:
    """Apply ``fields`` to a participant already looked up (Participants, UserConversations)."""
    rules.check(fields)
    async with rt.store.read() as tx:
        updated = await _changed(tx, rt, participant, fields)
        await rules.ensure_free(tx, updated)
    scope = scope_of(participant)
    params = event_params(updated, "onParticipantUpdate")
    await emit.pre(rt, actor, "onParticipantUpdate", scope, params)
    try:
        async with emit.action(rt) as tx:
            await rules.claim(tx, updated)
            await tx.update("participant", updated)
            params = event_params(updated, "onParticipantUpdated")
            await emit.post(rt, tx, actor, "onParticipantUpdated", scope, params)
    except Duplicate:
        raise rules.taken(updated) from None
    return updated


async def remove(rt: Runtime, actor: Actor, participant: Record) -> None:
    """Remove a participant already looked up, with onParticipantRemove / -Removed."""
    needs = permissions.remove_participant(actor, participant)
    await permissions.enforce_now(
        rt, actor, participant["chat_service_sid"], participant["conversation_sid"], needs
    )
    scope = scope_of(participant)
    params = event_params(participant, "onParticipantRemove")
    await emit.pre(rt, actor, "onParticipantRemove", scope, params)
    async with emit.action(rt) as tx:
        await tx.delete("participant", sid=participant["sid"])
        params = event_params(participant, "onParticipantRemoved")
        params["DateRemoved"] = rt.now_iso()
        await emit.post(rt, tx, actor, "onParticipantRemoved", scope, params)


async def _lookup(
    rt: Runtime, account_sid: str, service_sid: str, conv_ref: str, ref: str
) -> Record:
    async with rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        return await find(tx, conv, ref)


async def update(
    rt: Runtime,
    actor: Actor,
    account_sid: str,
    service_sid: str,
    conv_ref: str,
    ref: str,
    fields: dict[str, str],
) -> Record:
    participant = await _lookup(rt, account_sid, service_sid, conv_ref, ref)
    return await update_found(rt, actor, participant, fields)


async def delete(
    rt: Runtime, actor: Actor, account_sid: str, service_sid: str, conv_ref: str, ref: str
) -> None:
    await remove(rt, actor, await _lookup(rt, account_sid, service_sid, conv_ref, ref))


async def get(rt: Runtime, account_sid: str, service_sid: str, conv_ref: str, ref: str) -> Record:
    return await _lookup(rt, account_sid, service_sid, conv_ref, ref)


listing = conversations.children_listing("participant")


async def find_member(
    rt: Runtime, account_sid: str, service_sid: str, conv_ref: str, key: str, value: str
) -> Record | None:
    """The participant of a conversation whose ``key`` (``sid``, ``identity`` or
    ``address``) is ``value``, or None; 404 when the conversation does not exist."""
    async with rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        return await tx.get("participant", conversation_sid=conv["sid"], **{key: value})
