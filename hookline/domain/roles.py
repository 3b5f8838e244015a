"""Roles: every service starts with Twilio's four default roles; more can be created.

hookline's rules where Twilio's are not written down: ``Permission`` values must come from
the permissions of the default roles of the same ``type`` (a typo is a 400, not a silently
useless role); ``FriendlyName`` is required, at most 64 characters and unique within the
service; the four default roles (known by their names, which no other role can take and
an update cannot change) can be updated but not deleted. Each broken rule is 400 / 20001.
"""

from __future__ import annotations

from dataclasses import dataclass

from hookline.domain.paging import Page, PageRequest, read_page
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import one_of
from hookline.exceptions import InvalidParameter, NotFound
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record

SERVICE_ADMIN_PERMISSIONS = [
    "addMember",
    "createConversation",
    "deleteAnyMessage",
    "deleteConversation",
    "editAnyMessage",
    "editAnyMessageAttributes",
    "editAnyUserInfo",
    "editConversationAttributes",
    "editConversationName",
    "joinConversation",
    "removeMember",
]
SERVICE_USER_PERMISSIONS = [
    "createConversation",
    "editOwnUserInfo",
    "joinConversation",
]
CHANNEL_ADMIN_PERMISSIONS = [
    "addMember",
    "deleteAnyMessage",
    "editAnyMessage",
    "editAnyMessageAttributes",
    "editConversationAttributes",
    "editConversationName",
    "removeMember",
    "leaveConversation",
    "sendMediaMessage",
    "sendMessage",
]
CHANNEL_USER_PERMISSIONS = [
    "deleteOwnMessage",
    "editOwnMessage",
    "editOwnMessageAttributes",
    "leaveConversation",
    "sendMediaMessage",
    "sendMessage",
]

DEFAULT_ROLES = [
    ("service admin", "service", SERVICE_ADMIN_PERMISSIONS),
    ("service user", "service", SERVICE_USER_PERMISSIONS),
    ("channel admin", "conversation", CHANNEL_ADMIN_PERMISSIONS),
    ("channel user", "conversation", CHANNEL_USER_PERMISSIONS),
]


def role_record(
    rt: Runtime, account_sid: str, service_sid: str, name: str, kind: str, permissions: list[str]
) -> Record:
    now = rt.now_iso()
    return {
        "sid": rt.sids.new("RL"),
        "account_sid": account_sid,
        "chat_service_sid": service_sid,
        "friendly_name": name,
        "type": kind,
        "permissions": list(permissions),
        "date_created": now,
        "date_updated": now,
    }


async def create_defaults(tx: Tx, rt: Runtime, account_sid: str, service_sid: str) -> None:
    for name, kind, permissions in DEFAULT_ROLES:
        await tx.insert("role", role_record(rt, account_sid, service_sid, name, kind, permissions))


async def default_role_sid(tx: Tx, service_sid: str, name: str) -> str | None:
    for role in await tx.find("role", chat_service_sid=service_sid):
        if role["friendly_name"] == name:
            return str(role["sid"])
    return None


TYPES = ("conversation", "service")
PERMISSIONS: dict[str, frozenset[str]] = {
    "service": frozenset(SERVICE_ADMIN_PERMISSIONS + SERVICE_USER_PERMISSIONS),
    "conversation": frozenset(CHANNEL_ADMIN_PERMISSIONS + CHANNEL_USER_PERMISSIONS),
}
DEFAULT_NAMES = frozenset(name for name, _, _ in DEFAULT_ROLES)
MAX_NAME = 64


@dataclass(frozen=True)
class RoleFields:
    """A role's form fields (``Permission`` repeats); ``None`` where not given."""

    friendly_name: str | None = None
    type: str | None = None
    permission: list[str] | None = None


def _permissions(kind: str, given: list[str] | None) -> list[str]:
    if not given:
        raise InvalidParameter("Missing required parameter Permission")
    unknown = sorted(set(given) - PERMISSIONS[kind])
    if unknown:
        allowed = ", ".join(sorted(PERMISSIONS[kind]))
        raise InvalidParameter(
            f"Unknown {kind} permission(s): {', '.join(unknown)}; allowed: {allowed}"
        )
    return list(dict.fromkeys(given))


async def find(tx: Tx, account_sid: str, service_sid: str, sid: str) -> Record:
    role = None
    if is_sid(sid, "RL"):
        role = await tx.get("role", sid=sid, account_sid=account_sid, chat_service_sid=service_sid)
    if role is None:
        raise NotFound(f"The requested resource /Roles/{sid} was not found")
    return role


async def create(
    rt: Runtime, _actor: Actor, account_sid: str, service_sid: str, fields: RoleFields
) -> Record:
    friendly_name, kind, permissions = fields.friendly_name, fields.type, fields.permission
    if not friendly_name:
        raise InvalidParameter("Missing required parameter FriendlyName")
    if len(friendly_name) > MAX_NAME:
        raise InvalidParameter(f"FriendlyName must be at most {MAX_NAME} characters")
    kind = one_of(kind, "Type", TYPES)
    granted = _permissions(kind, permissions)
    async with rt.store.transaction() as tx:
        # Names stay unique under concurrency (docs/concurrency.md): creates in one service
        # queue on the service's row lock, so each sees the roles committed before it.
        if await tx.lock("service", sid=service_sid, account_sid=account_sid) is None:
            raise NotFound(f"The requested resource /Services/{service_sid} was not found")
        if await default_role_sid(tx, service_sid, friendly_name):
            raise InvalidParameter(f"A role named '{friendly_name}' already exists")
        role = role_record(rt, account_sid, service_sid, friendly_name, kind, granted)
        await tx.insert("role", role)
    return role


async def update(
    rt: Runtime, _actor: Actor, account_sid: str, service_sid: str, sid: str, fields: RoleFields
) -> Record:
    """Replace the role's permissions (Twilio's update replaces, it does not add)."""
    async with rt.store.transaction() as tx:
        role = await find(tx, account_sid, service_sid, sid)
        role = role | {
            "permissions": _permissions(role["type"], fields.permission),
            "date_updated": rt.now_iso(),
        }
        await tx.update("role", role)
    return role


async def delete(rt: Runtime, _actor: Actor, account_sid: str, service_sid: str, sid: str) -> None:
    async with rt.store.transaction() as tx:
        role = await find(tx, account_sid, service_sid, sid)
        if role["friendly_name"] in DEFAULT_NAMES:
            raise InvalidParameter(f"The default role '{role['friendly_name']}' cannot be deleted")
        await tx.delete("role", sid=role["sid"])


async def get(rt: Runtime, account_sid: str, service_sid: str, sid: str) -> Record:
    async with rt.store.read() as tx:
        return await find(tx, account_sid, service_sid, sid)


async def listing(
    rt: Runtime, account_sid: str, service_sid: str, _filters: dict[str, str], request: PageRequest
) -> Page[Record]:
    async with rt.store.read() as tx:
        if await tx.get("service", sid=service_sid, account_sid=account_sid) is None:
            raise NotFound(f"The requested resource /Services/{service_sid} was not found")
        where = {"account_sid": account_sid, "chat_service_sid": service_sid}
        return await read_page(tx, "role", where, request)
