"""Delivery receipts (``DY…``): one per message and non-chat participant, moved through its
statuses by hookline's control API (there is no carrier to report them).

Statuses and transitions (hookline's rule; Twilio documents the statuses, not an order)::

    (none) → any status          the first report creates the receipt
    sent → delivered → read
    sent | delivered → failed | undelivered

``read``, ``failed`` and ``undelivered`` are final; repeating the current status or going
backwards is refused with 400 / 20001 rather than silently ignored, so a test script
learns at once that it drove the receipt wrongly. Only participants with an address (SMS,
WhatsApp) get receipts, as on Twilio, where chat participants have none.

Each change fires ``onDeliveryUpdated`` (post-event, in the write transaction) with the
parameters of docs/webhook-events.md §1.6. Its ``Source`` is the participant's channel, ``SMS`` or
``WHATSAPP`` (UNCONFIRMED on Twilio: the docs list only ``SDK``/``API``).
"""

from __future__ import annotations

from hookline.domain import conversations, emit, messages
from hookline.domain.emit import Scope
from hookline.domain.paging import Page, PageRequest, read_page
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import integer, one_of
from hookline.exceptions import InvalidParameter, NotFound
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record

STATUSES = ("sent", "delivered", "read", "failed", "undelivered")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "sent": ("delivered", "failed", "undelivered"),
    "delivered": ("read", "failed", "undelivered"),
    "read": (),
    "failed": (),
    "undelivered": (),
}
#: Twilio's code for an invalid delivery-status transition is undocumented; hookline uses
#: 20001 (invalid parameter) with a message that names both statuses.
TRANSITION_CODE = 20001

#: Which statuses count towards each field of a message's ``delivery`` summary: a receipt
#: that reached ``read`` was also delivered and sent; an undelivered message was sent.
SUMMARY_COUNTS: dict[str, tuple[str, ...]] = {
    "sent": ("sent", "delivered", "read", "undelivered"),
    "delivered": ("delivered", "read"),
    "read": ("read",),
    "failed": ("failed",),
    "undelivered": ("undelivered",),
}


def summary(receipts: list[Record]) -> Record | None:
    """A message's ``delivery`` field, Twilio's aggregated delivery receipt.

    ``total`` is the number of receipts (one per non-chat participant reported on); each
    status is ``"all"``, ``"some"`` or ``"none"`` of them (the SDKs' ``DeliveryAmount``),
    counted cumulatively as :data:`SUMMARY_COUNTS` says. ``None`` when the message has no
    receipt, as for a chat-only conversation on Twilio.
    """
    if not receipts:
        return None
    total = len(receipts)
    result: Record = {"total": total}
    for name, counted in SUMMARY_COUNTS.items():
        count = sum(1 for receipt in receipts if receipt["status"] in counted)
        result[name] = "none" if count == 0 else "all" if count == total else "some"
    return result


async def summaries(tx: Tx, message_sids: list[str]) -> dict[str, Record | None]:
    """The ``delivery`` summary of each message, computed from its receipts when read."""
    return {sid: summary(await tx.find("receipt", message_sid=sid)) for sid in message_sids}


def event_params(receipt: Record) -> dict[str, str | None]:
    return {
        "ConversationSid": receipt["conversation_sid"],
        "ChatServiceSid": receipt["chat_service_sid"],
        "MessageSid": receipt["message_sid"],
        "DeliveryReceiptSid": receipt["sid"],
        "ChannelMessageSid": receipt["channel_message_sid"],
        "ParticipantSid": receipt["participant_sid"],
        "Status": receipt["status"],
        "ErrorCode": str(receipt["error_code"]),
        "DateCreated": receipt["date_created"],
        "DateUpdated": receipt["date_updated"],
    }


async def find(tx: Tx, message: Record, sid: str) -> Record:
    receipt = None
    if is_sid(sid, "DY"):
        receipt = await tx.get("receipt", sid=sid, message_sid=message["sid"])
    if receipt is None:
        raise NotFound(
            f"The requested resource /Conversations/{message['conversation_sid']}"
            f"/Messages/{message['sid']}/Receipts/{sid} was not found"
        )
    return receipt


async def message_in(
    tx: Tx, account_sid: str, service_sid: str, conv_ref: str, message_sid: str
) -> Record:
    """The message a receipt URL names; 404 for an unknown conversation or message."""
    conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
    return await messages.find(tx, conv, message_sid)


def address(participant: Record) -> str | None:
    """The participant's SMS/WhatsApp address, ``None`` for a chat participant."""
    binding = participant.get("messaging_binding") or {}
    found = binding.get("address") or participant.get("address")
    return str(found) if found else None


def channel(participant: Record) -> str:
    """``WHATSAPP`` for a ``whatsapp:`` address, else ``SMS``."""
    binding = participant.get("messaging_binding") or {}
    kind = str(binding.get("type") or "").lower()
    whatsapp = kind == "whatsapp" or (address(participant) or "").startswith("whatsapp:")
    return "WHATSAPP" if whatsapp else "SMS"


def _check_transition(current: str | None, status: str) -> None:
    if current is None or status in TRANSITIONS[current]:
        return
    allowed = ", ".join(TRANSITIONS[current]) or "nothing (it is final)"
    raise InvalidParameter(
        f"A receipt cannot go from {current} to {status}; from {current} it can go to {allowed}",
        code=TRANSITION_CODE,
    )


def _error_code(status: str, raw: str | None) -> int:
    code = integer(raw, "ErrorCode", minimum=0)
    if code and status not in ("failed", "undelivered"):
        raise InvalidParameter("ErrorCode is only allowed with Status failed or undelivered")
    return code or 0


async def set_status(
    rt: Runtime,
    account_sid: str,
    service_sid: str,
    conv_ref: str,
    message_sid: str,
    participant_ref: str | None,
    status: str | None,
    error_code: str | None = None,
) -> tuple[Record, bool]:
    """Create or advance the receipt of ``message_sid`` for one participant.

    ``participant_ref`` is the participant's ``MB…`` SID, identity or address. Returns the
    receipt and whether it was created.
    """
    status = one_of(status, "Status", STATUSES)
    code = _error_code(status, error_code)
    if not participant_ref:
        raise InvalidParameter("Missing required parameter ParticipantSid")
    now = rt.now_iso()
    async with emit.action(rt) as tx:
        message = await message_in(tx, account_sid, service_sid, conv_ref, message_sid)
        # Reports on one message are serialised, so each status change fires exactly once.
        await tx.lock("message", sid=message["sid"])
        participant = await _participant(tx, message["conversation_sid"], participant_ref)
        if address(participant) is None:
            raise InvalidParameter(
                f"Participant {participant['sid']} is a chat participant: delivery receipts "
                "exist only for SMS and WhatsApp participants"
            )
        existing = await tx.get(
            "receipt", message_sid=message["sid"], participant_sid=participant["sid"]
        )
        _check_transition(existing["status"] if existing else None, status)
        source = channel(participant)
        if existing is None:
            receipt = _new(rt, message, participant, source, now)
        else:
            receipt = existing | {"date_updated": now}
        receipt |= {"status": status, "error_code": code}
        if existing is None:
            await tx.insert("receipt", receipt)
        else:
            await tx.update("receipt", receipt)
        scope = Scope(account_sid, message["chat_service_sid"], message["conversation_sid"])
        actor = Actor(source=source, webhooks=True)
        await emit.post(rt, tx, actor, "onDeliveryUpdated", scope, event_params(receipt))
    return receipt, existing is None


def _new(rt: Runtime, message: Record, participant: Record, source: str, now: str) -> Record:
    return {
        "sid": rt.sids.new("DY"),
        "account_sid": message["account_sid"],
        "chat_service_sid": message["chat_service_sid"],
        "conversation_sid": message["conversation_sid"],
        "message_sid": message["sid"],
        "participant_sid": participant["sid"],
        "channel_message_sid": rt.sids.new("WA" if source == "WHATSAPP" else "SM"),
        "date_created": now,
        "date_updated": now,
    }


async def _participant(tx: Tx, conversation_sid: str, ref: str) -> Record:
    keys = ("sid",) if is_sid(ref, "MB") else ("identity", "address")
    for key in keys:
        found = await tx.get("participant", conversation_sid=conversation_sid, **{key: ref})
        if found:
            return found
    raise NotFound(
        f"The requested resource /Conversations/{conversation_sid}/Participants/{ref} was not found"
    )


async def get(
    rt: Runtime, account_sid: str, service_sid: str, conv_ref: str, message_sid: str, sid: str
) -> Record:
    async with rt.store.read() as tx:
        message = await message_in(tx, account_sid, service_sid, conv_ref, message_sid)
        return await find(tx, message, sid)


async def listing(
    rt: Runtime,
    account_sid: str,
    service_sid: str,
    conv_ref: str,
    message_sid: str,
    _filters: dict[str, str],
    request: PageRequest,
) -> Page[Record]:
    async with rt.store.read() as tx:
        message = await message_in(tx, account_sid, service_sid, conv_ref, message_sid)
        return await read_page(tx, "receipt", {"message_sid": message["sid"]}, request)
