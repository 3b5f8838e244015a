"""``/v1/Configuration``: the account's Conversations defaults.

``DefaultChatServiceSid`` is the service the short URLs (``/v1/Conversations`` …) act on;
``DefaultMessagingServiceSid`` goes on conversations created without one;
``DefaultInactiveTimer``/``DefaultClosedTimer`` are the ``Timers.Inactive``/``Timers.Closed``
of conversations created afterwards without timers of their own. The timers are kept as
given (ISO-8601 durations) in the ``configurations`` row of the account; the default
service is the account's own column, read by authentication.
"""

from __future__ import annotations

from dataclasses import dataclass

from hookline.domain import services
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.timers import parse_duration
from hookline.domain.validation import sid_param
from hookline.exceptions import InvalidParameter, NotFound
from hookline.store import Tx
from hookline.types import Record

#: Twilio's codes for a timer under its minimum (1 minute / 10 minutes) or not ISO-8601.
TIMER_CODES = {
    "default_inactive_timer": ("DefaultInactiveTimer", "Timers.Inactive", 50375, 50379),
    "default_closed_timer": ("DefaultClosedTimer", "Timers.Closed", 50376, 50380),
}


def default_messaging_service_sid(account_sid: str) -> str:
    # hookline has no Messaging Services; each account gets one stable stand-in SID.
    return "MG" + account_sid[2:]


@dataclass(frozen=True)
class Defaults:
    """What a new conversation takes from the account configuration."""

    messaging_service_sid: str
    inactive_timer: str | None
    closed_timer: str | None


async def defaults_in(tx: Tx, account_sid: str) -> Defaults:
    stored = await tx.get("configuration", sid=account_sid) or {}
    return Defaults(
        stored.get("default_messaging_service_sid") or default_messaging_service_sid(account_sid),
        stored.get("default_inactive_timer"),
        stored.get("default_closed_timer"),
    )


async def get(rt: Runtime, account_sid: str) -> Record:
    async with rt.store.read() as tx:
        return await _record(tx, account_sid)


async def _record(tx: Tx, account_sid: str) -> Record:
    account = await tx.account(account_sid)
    if account is None:
        raise NotFound(f"The requested resource /Accounts/{account_sid} was not found")
    defaults = await defaults_in(tx, account_sid)
    return {
        "account_sid": account_sid,
        "default_chat_service_sid": account.default_service_sid,
        "default_messaging_service_sid": defaults.messaging_service_sid,
        "default_inactive_timer": defaults.inactive_timer,
        "default_closed_timer": defaults.closed_timer,
    }


def _timer(fields: dict[str, str], name: str) -> str | None:
    """The given timer, checked like a conversation's own; "" clears it (None)."""
    parameter, conversation_name, too_short, malformed = TIMER_CODES[name]
    value = fields[name]
    if value == "":
        return None
    try:
        parse_duration(value, conversation_name)
    except InvalidParameter as exc:
        message = exc.message.replace(conversation_name, parameter)
        code = too_short if "at least" in message else malformed
        raise InvalidParameter(message, code=code) from None
    return value


async def update(rt: Runtime, _actor: Actor, account_sid: str, fields: dict[str, str]) -> Record:
    service_sid = sid_param(fields.get("default_chat_service_sid"), "IS", "DefaultChatServiceSid")
    messaging = sid_param(
        fields.get("default_messaging_service_sid"), "MG", "DefaultMessagingServiceSid"
    )
    timers = {name: _timer(fields, name) for name in TIMER_CODES if name in fields}
    async with rt.store.transaction() as tx:
        if service_sid:
            try:
                await services.get_in(tx, account_sid, service_sid)
            except NotFound:
                raise InvalidParameter(
                    f"DefaultChatServiceSid {service_sid} is not a Conversation Service "
                    "of this account"
                ) from None
            await tx.update_account(account_sid, default_service_sid=service_sid)
        # Two first updates at once must not both insert the account's row.
        await tx.serialize_on(f"configuration:{account_sid}")
        stored = await tx.lock("configuration", sid=account_sid)
        doc = dict(stored or {"sid": account_sid, "account_sid": account_sid})
        if messaging:
            doc["default_messaging_service_sid"] = messaging
        doc |= timers
        if stored is None:
            await tx.insert("configuration", doc)
        else:
            await tx.update("configuration", doc)
        record = await _record(tx, account_sid)
    # Authentication reads the default service from its short-lived cache.
    rt.credentials.forget(f"account:{account_sid}")
    return record
