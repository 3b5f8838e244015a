"""Roles: every service starts with Twilio's four default roles."""

from __future__ import annotations

from hookline.domain.runtime import Runtime
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
