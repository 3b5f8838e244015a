"""Participant rules: field checks, the messaging binding, identity/binding conflicts.

Codes (from Twilio's error pages; the HTTP statuses are hookline's choice):

- 409 / 50433 *Participant already exists*: the Identity is already in the conversation.
- 409 / 50416 *A binding for this participant and proxy address already exists in
  Conversation CH…*: the same ``MessagingBinding.Address`` is already in this conversation,
  or the same Address + ProxyAddress pair is in another conversation that is not closed
  (Twilio routes inbound messages by that pair, so it must be unique).
- 400 / 50109 *Conversation role not found*: RoleSid is not a conversation role here.
- 400 / 50441 *Failed to add a proxy address*, 400 / 50444 *Failed to add an identity*:
  updates that would change what kind of participant this is.
- 400 / 20001: neither Identity nor Address, both, or a malformed field.
- 400 / 50417 *Participants limit exceeded*: a conversation holds at most 100 chat
  participants (Twilio's default), 400 / 50422: at most 50 non-chat (SMS, WhatsApp) ones.
"""

from __future__ import annotations

from hookline.domain import users
from hookline.domain.validation import attributes, integer, one_of, sid_param, timestamp
from hookline.exceptions import Conflict, InvalidParameter
from hookline.naming import wire
from hookline.store import Tx
from hookline.types import Record

MAX_ADDRESS = 255  # the address/identity columns' width
NOTIFICATION_LEVELS = ("default", "muted")
MAX_CHAT_PARTICIPANTS = 100
MAX_NON_CHAT_PARTICIPANTS = 50


def check(fields: dict[str, str]) -> None:
    """Field-level checks shared by create, update and ConversationWithParticipants."""
    attributes(fields.get("attributes"))
    sid_param(fields.get("role_sid"), "RL", "RoleSid")
    for name in ("date_created", "date_updated", "last_read_timestamp"):
        timestamp(fields, name, None)
    integer(fields.get("last_read_message_index"), "LastReadMessageIndex", minimum=0)
    if "notification_level" in fields:
        one_of(fields["notification_level"], "NotificationLevel", NOTIFICATION_LEVELS)
    users.check_identity(fields.get("identity"), required=False)
    for name in ("address", "proxy_address", "projected_address"):
        if len(fields.get(f"messaging_binding_{name}") or "") > MAX_ADDRESS:
            wire_name = wire(f"messaging_binding_{name}")
            raise InvalidParameter(f"{wire_name} must be at most {MAX_ADDRESS} chars")


def channel(address: str) -> str:
    return "whatsapp" if address.lower().startswith("whatsapp:") else "sms"


def new_binding(fields: dict[str, str]) -> Record | None:
    """The ``messaging_binding`` of a new participant; ``None`` for a plain chat one."""
    identity = fields.get("identity")
    address = fields.get("messaging_binding_address")
    proxy = fields.get("messaging_binding_proxy_address")
    projected = fields.get("messaging_binding_projected_address")
    if identity and address:
        raise InvalidParameter("Give either Identity or MessagingBinding.Address, not both")
    if not identity and not address:
        raise InvalidParameter("Either Identity or MessagingBinding.Address is required")
    if identity:
        if proxy:
            raise InvalidParameter("A chat participant cannot have a ProxyAddress", code=50441)
        return {"type": "sms", "projected_address": projected} if projected else None
    assert address is not None
    if projected:
        raise InvalidParameter("MessagingBinding.ProjectedAddress needs an Identity")
    binding: Record = {"type": channel(address), "address": address}
    if proxy:
        if channel(proxy) != binding["type"]:
            raise InvalidParameter("Address and ProxyAddress must be on the same channel")
        binding["proxy_address"] = proxy
    return binding


def identity_taken(participant: Record) -> Conflict:
    return Conflict(
        f"Participant with identity {participant['identity']} already exists in Conversation "
        f"{participant['conversation_sid']}",
        code=50433,
    )


def binding_taken(conversation_sid: str) -> Conflict:
    return Conflict(
        "A binding for this participant and proxy address already exists in Conversation "
        + conversation_sid,
        code=50416,
    )


def taken(participant: Record) -> Conflict:
    """The conflict a unique-constraint violation on ``participant`` stands for."""
    if participant.get("identity"):
        return identity_taken(participant)
    return binding_taken(participant["conversation_sid"])


async def ensure_room(tx: Tx, participant: Record) -> None:
    """Raise Twilio's limit error if the conversation is full for this kind of participant."""
    others = [
        other
        for other in await tx.find("participant", conversation_sid=participant["conversation_sid"])
        if other["sid"] != participant["sid"]
    ]
    if participant.get("messaging_binding"):
        if sum(bool(o.get("messaging_binding")) for o in others) >= MAX_NON_CHAT_PARTICIPANTS:
            raise InvalidParameter(
                f"A conversation has at most {MAX_NON_CHAT_PARTICIPANTS} SMS/WhatsApp participants",
                code=50422,
            )
    elif sum(not o.get("messaging_binding") for o in others) >= MAX_CHAT_PARTICIPANTS:
        raise InvalidParameter(
            f"A conversation has at most {MAX_CHAT_PARTICIPANTS} chat participants", code=50417
        )


async def claim(tx: Tx, participant: Record) -> None:
    """The authoritative :func:`ensure_free`, inside the write transaction that stores
    ``participant``: first queue behind every writer that could break the same rules
    (docs/concurrency.md). The conversation's row lock covers the limits and the
    identity/address uniqueness within it; the Address + ProxyAddress pair spans
    conversations, so writers of one pair also take that pair's advisory lock."""
    await tx.lock("conversation", sid=participant["conversation_sid"])
    binding = participant.get("messaging_binding") or {}
    if binding.get("address") and binding.get("proxy_address"):
        pair = f"{participant['account_sid']}:{binding['address']}:{binding['proxy_address']}"
        await tx.serialize_on(f"binding:{pair}")
    await ensure_free(tx, participant)


async def ensure_free(tx: Tx, participant: Record) -> None:
    """Raise the Twilio conflict if ``participant``'s identity or binding is in use, or
    Twilio's limit error if the conversation has no room for it."""
    await ensure_room(tx, participant)
    conv_sid = participant["conversation_sid"]
    if participant.get("identity"):
        other = await tx.get(
            "participant", conversation_sid=conv_sid, identity=participant["identity"]
        )
        if other is not None and other["sid"] != participant["sid"]:
            raise identity_taken(participant)
    binding = participant.get("messaging_binding") or {}
    if not binding.get("address"):
        return
    same = await tx.find(
        "participant", account_sid=participant["account_sid"], address=binding["address"]
    )
    for other in same:
        if other["sid"] == participant["sid"]:
            continue
        if other["conversation_sid"] == conv_sid:
            raise binding_taken(conv_sid)
        proxy = (other.get("messaging_binding") or {}).get("proxy_address")
        if proxy and proxy == binding.get("proxy_address"):
            conv = await tx.get("conversation", sid=other["conversation_sid"])
            if conv is not None and conv["state"] != "closed":
                raise binding_taken(other["conversation_sid"])
