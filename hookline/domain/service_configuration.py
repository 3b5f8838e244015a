"""``/v1/Services/{IS}/Configuration``: a service's default roles and reachability.

The three default roles are what a new participant (``DefaultConversationRoleSid``), a
new user (``DefaultChatServiceRoleSid``) and the SDK user who creates a conversation
(``DefaultConversationCreatorRoleSid``) get when no ``RoleSid`` is given. Unset, they are
the service's built-in roles (``channel user``, ``service user``, ``channel admin``). The
settings live in the service's ``configurations`` row, with its notification settings
(:mod:`hookline.domain.notifications`).

Errors as Twilio's: a role SID that is no role of the service is 400 / 50100 ("Role not
found"), a role of the other type 400 / 50105 ("Invalid role type").
"""

from __future__ import annotations

from hookline.domain import roles, services
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import boolean
from hookline.exceptions import InvalidParameter
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record

#: Field → (parameter, the role type it takes, the built-in role it replaces).
DEFAULT_ROLES = {
    "default_conversation_creator_role_sid": (
        "DefaultConversationCreatorRoleSid",
        "conversation",
        "channel admin",
    ),
    "default_conversation_role_sid": ("DefaultConversationRoleSid", "conversation", "channel user"),
    "default_chat_service_role_sid": ("DefaultChatServiceRoleSid", "service", "service user"),
}
_BY_BUILT_IN = {built_in: field for field, (_, _, built_in) in DEFAULT_ROLES.items()}
ROLE_NOT_FOUND = 50100
INVALID_ROLE_TYPE = 50105


async def stored_in(tx: Tx, service_sid: str) -> Record | None:
    return await tx.get("configuration", sid=service_sid)


async def default_role_sid(tx: Tx, service_sid: str, built_in: str) -> str | None:
    """The role that stands in for the built-in role ``built_in`` (``channel user`` …):
    the configured one while it exists, else the built-in one."""
    field = _BY_BUILT_IN.get(built_in)
    stored = await stored_in(tx, service_sid) if field else None
    configured = stored.get(field) if stored and field else None
    if configured and await tx.get("role", sid=configured, chat_service_sid=service_sid):
        return str(configured)
    return await roles.default_role_sid(tx, service_sid, built_in)


async def creator_role_sid(rt: Runtime, service_sid: str) -> str | None:
    """The role an SDK user gets in a conversation it creates."""
    async with rt.store.read() as tx:
        return await default_role_sid(tx, service_sid, "channel admin")


async def record_in(tx: Tx, service_sid: str) -> Record:
    stored = await stored_in(tx, service_sid) or {}
    body: Record = {"chat_service_sid": service_sid}
    for field, (_, _, built_in) in DEFAULT_ROLES.items():
        body[field] = await default_role_sid(tx, service_sid, built_in)
    body["reachability_enabled"] = bool(stored.get("reachability_enabled", False))
    return body


async def get(rt: Runtime, account_sid: str, service_sid: str) -> Record:
    async with rt.store.read() as tx:
        await services.get_in(tx, account_sid, service_sid)
        return await record_in(tx, service_sid)


async def _checked_role(tx: Tx, service_sid: str, field: str, value: str) -> str:
    parameter, kind, _ = DEFAULT_ROLES[field]
    role = None
    if is_sid(value, "RL"):
        role = await tx.get("role", sid=value, chat_service_sid=service_sid)
    if role is None:
        raise InvalidParameter(
            f"{parameter}: role {value} not found in this service", code=ROLE_NOT_FOUND
        )
    if role["type"] != kind:
        raise InvalidParameter(
            f"{parameter}: role {value} is a {role['type']} role, a {kind} role is needed",
            code=INVALID_ROLE_TYPE,
        )
    return value


async def update_doc(tx: Tx, account_sid: str, service_sid: str, changes: Record) -> None:
    """Merge ``changes`` into the service's configuration row (made on first use)."""
    await tx.serialize_on(f"configuration:{service_sid}")
    stored = await tx.lock("configuration", sid=service_sid)
    doc = dict(stored or {"sid": service_sid, "account_sid": account_sid}) | changes
    if stored is None:
        await tx.insert("configuration", doc)
    else:
        await tx.update("configuration", doc)


async def update(
    rt: Runtime, _actor: Actor, account_sid: str, service_sid: str, fields: dict[str, str]
) -> Record:
    reachability = boolean(fields.get("reachability_enabled"), "ReachabilityEnabled")
    async with rt.store.transaction() as tx:
        await services.get_in(tx, account_sid, service_sid)
        changes: Record = {}
        for field in DEFAULT_ROLES:
            if fields.get(field):
                changes[field] = await _checked_role(tx, service_sid, field, fields[field])
        if reachability is not None:
            changes["reachability_enabled"] = reachability
        if changes:
            await update_doc(tx, account_sid, service_sid, changes)
        return await record_in(tx, service_sid)
