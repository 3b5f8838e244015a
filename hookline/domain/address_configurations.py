"""Address Configurations (``/v1/Configuration/Addresses``): which of the account's
addresses auto-create a conversation when an inbound message finds none.

hookline's rules where Twilio's are not written down (docs/twilio-behaviour.md): an address
is configured once per account (409); ``AutoCreation.Type`` defaults to ``default``;
``webhook`` needs ``AutoCreation.WebhookUrl`` and at least one filter, ``studio`` needs
``AutoCreation.StudioFlowSid``; a WhatsApp address is stored with its ``whatsapp:`` prefix.
"""

from __future__ import annotations

from dataclasses import dataclass

from hookline.domain.events import SCOPED_EVENTS
from hookline.domain.paging import Page, PageRequest, page_of
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import http_url, integer, method, one_of, sid_param
from hookline.exceptions import Conflict, Duplicate, InvalidParameter, NotFound
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record

TYPES = ("sms", "whatsapp", "messenger", "gbm", "email", "rcs", "apple", "chat")
AUTO_CREATION_TYPES = ("webhook", "studio", "default")
MAX_NAME = 256


@dataclass(frozen=True)
class AddressFields:
    """The form fields; ``None`` means "not given" (``webhook_filters`` repeats)."""

    type: str | None = None
    address: str | None = None
    friendly_name: str | None = None
    address_country: str | None = None
    enabled: str | None = None
    auto_type: str | None = None
    service_sid: str | None = None
    webhook_url: str | None = None
    webhook_method: str | None = None
    webhook_filters: list[str] | None = None
    studio_flow_sid: str | None = None
    studio_retry_count: str | None = None


def stored_address(kind: str, address: str) -> str:
    """WhatsApp addresses carry their channel prefix, as participants' addresses do."""
    if kind == "whatsapp" and not address.startswith("whatsapp:"):
        return f"whatsapp:{address}"
    return address


def _boolean(value: str | None, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if value.lower() not in ("true", "false"):
        raise InvalidParameter(f"{name} must be true or false")
    return value.lower() == "true"


async def _auto_creation(
    tx: Tx, account_sid: str, fields: AddressFields, current: Record
) -> Record:
    """The ``auto_creation`` object: ``current`` with the given fields applied, checked."""
    auto = dict(current)
    enabled = _boolean(fields.enabled, "AutoCreation.Enabled")
    if enabled is not None:
        auto["enabled"] = enabled
    if fields.auto_type:
        auto["type"] = one_of(fields.auto_type, "AutoCreation.Type", AUTO_CREATION_TYPES)
    service_sid = sid_param(fields.service_sid, "IS", "AutoCreation.ConversationServiceSid")
    if service_sid is not None:
        if await tx.get("service", sid=service_sid, account_sid=account_sid) is None:
            raise InvalidParameter(f"Conversation Service {service_sid} not found")
        auto["conversation_service_sid"] = service_sid
    if fields.webhook_url is not None:
        auto["webhook_url"] = http_url(fields.webhook_url, "AutoCreation.WebhookUrl")
    if fields.webhook_method:
        auto["webhook_method"] = method(fields.webhook_method, "AutoCreation.WebhookMethod")
    if fields.webhook_filters is not None:
        bad = [name for name in fields.webhook_filters if name not in SCOPED_EVENTS]
        if bad:
            raise InvalidParameter(
                f"Invalid AutoCreation.WebhookFilters: {', '.join(bad)}; allowed: "
                f"{', '.join(sorted(SCOPED_EVENTS))}"
            )
        auto["webhook_filters"] = list(dict.fromkeys(fields.webhook_filters))
    flow_sid = sid_param(fields.studio_flow_sid, "FW", "AutoCreation.StudioFlowSid")
    if flow_sid is not None:
        auto["studio_flow_sid"] = flow_sid
    retries = integer(fields.studio_retry_count, "AutoCreation.StudioRetryCount", minimum=0)
    if retries is not None:
        auto["studio_retry_count"] = retries
    return _shape(auto)


def _shape(auto: Record) -> Record:
    """Only the keys of the chosen type, as Twilio's documented responses show."""
    kind = auto.get("type", "default")
    shaped: Record = {
        "enabled": bool(auto.get("enabled", False)),
        "type": kind,
        "conversation_service_sid": auto.get("conversation_service_sid"),
    }
    if kind == "webhook":
        if not auto.get("webhook_url"):
            raise InvalidParameter("AutoCreation.WebhookUrl is required for type webhook")
        if not auto.get("webhook_filters"):
            raise InvalidParameter("AutoCreation.WebhookFilters is required for type webhook")
        shaped["webhook_url"] = auto["webhook_url"]
        shaped["webhook_method"] = auto.get("webhook_method") or "POST"
        shaped["webhook_filters"] = auto["webhook_filters"]
    elif kind == "studio":
        if not auto.get("studio_flow_sid"):
            raise InvalidParameter("AutoCreation.StudioFlowSid is required for type studio")
        shaped["studio_flow_sid"] = auto["studio_flow_sid"]
        shaped["studio_retry_count"] = auto.get("studio_retry_count", 0)
    return shaped


def _name(value: str | None) -> str | None:
    if value is not None and len(value) > MAX_NAME:
        raise InvalidParameter(f"FriendlyName must be at most {MAX_NAME} characters")
    return value


def _taken(address: str) -> Conflict:
    return Conflict(f"Address {address} already has a configuration", code=50353)


async def create(rt: Runtime, _actor: Actor, account_sid: str, fields: AddressFields) -> Record:
    kind = one_of(fields.type, "Type", TYPES)
    if not fields.address:
        raise InvalidParameter("Missing required parameter Address")
    address = stored_address(kind, fields.address)
    now = rt.now_iso()
    try:
        async with rt.store.transaction() as tx:
            config: Record = {
                "sid": rt.sids.new("IG"),
                "account_sid": account_sid,
                "type": kind,
                "address": address,
                "friendly_name": _name(fields.friendly_name),
                "auto_creation": await _auto_creation(tx, account_sid, fields, {}),
                "address_country": fields.address_country or None,
                "date_created": now,
                "date_updated": now,
            }
            if await tx.get("address_configuration", account_sid=account_sid, address=address):
                raise _taken(address)
            await tx.insert("address_configuration", config)
    except Duplicate:
        raise _taken(address) from None
    return config


async def find(tx: Tx, account_sid: str, sid: str) -> Record:
    found = None
    if is_sid(sid, "IG"):
        found = await tx.get("address_configuration", sid=sid, account_sid=account_sid)
    if found is None:
        raise NotFound(f"The requested resource /Configuration/Addresses/{sid} was not found")
    return found


async def update(
    rt: Runtime, _actor: Actor, account_sid: str, sid: str, fields: AddressFields
) -> Record:
    async with rt.store.transaction() as tx:
        config = await find(tx, account_sid, sid)
        auto = await _auto_creation(tx, account_sid, fields, config["auto_creation"])
        config = config | {"auto_creation": auto, "date_updated": rt.now_iso()}
        if fields.friendly_name is not None:
            config["friendly_name"] = _name(fields.friendly_name)
        await tx.update("address_configuration", config)
    return config


async def delete(rt: Runtime, _actor: Actor, account_sid: str, sid: str) -> None:
    async with rt.store.transaction() as tx:
        config = await find(tx, account_sid, sid)
        await tx.delete("address_configuration", sid=config["sid"])


async def get(rt: Runtime, account_sid: str, sid: str) -> Record:
    async with rt.store.read() as tx:
        return await find(tx, account_sid, sid)


async def listing(
    rt: Runtime, account_sid: str, filters: dict[str, str], request: PageRequest
) -> Page[Record]:
    where = {"account_sid": account_sid}
    if "type" in filters:
        where["type"] = one_of(filters["type"], "Type", TYPES)
    return await page_of(rt, "address_configuration", where, request)


async def matching(tx: Tx, account_sid: str, address: str) -> Record | None:
    """The configuration of ``address`` (``+1555…`` or ``whatsapp:+1555…``), if any."""
    return await tx.get("address_configuration", account_sid=account_sid, address=address)
