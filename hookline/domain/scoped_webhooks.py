"""Conversation-scoped webhooks (post-events only, at most five per conversation).

Error codes follow docs/webhook-events.md §5.2/§7.2; every one is HTTP 400 except 50360 (404).
A ``trigger`` webhook's keywords are echoed under ``configuration.filters`` as Twilio's
documented responses show (and under ``configuration.triggers`` too, for clarity).
"""

from __future__ import annotations

from dataclasses import dataclass

from hookline.domain import conversations, emit, messages_replay
from hookline.domain.events import SCOPED_EVENTS
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import http_url, integer, method
from hookline.exceptions import InvalidParameter, LimitExceeded, NotFound
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record

TARGETS = ("webhook", "trigger", "studio")
MAX_PER_CONVERSATION = 5
MAX_TRIGGERS = 5
MAX_TRIGGER_LENGTH = 248


@dataclass(frozen=True)
class WebhookFields:
    """Form fields; ``None`` means "not given"."""

    target: str | None = None
    url: str | None = None
    method: str | None = None
    filters: list[str] | None = None
    triggers: list[str] | None = None
    flow_sid: str | None = None
    replay_after: str | None = None


def _configuration(target: str, fields: WebhookFields, current: Record) -> Record:
    config = dict(current)
    if fields.url is not None:
        config["url"] = http_url(fields.url, "Configuration.Url", code=50369)
    if fields.method is not None:
        config["method"] = method(fields.method, "Configuration.Method", lowercase=True)
    if fields.filters is not None:
        bad = [name for name in fields.filters if name not in SCOPED_EVENTS]
        if bad:
            raise InvalidParameter(
                f"Invalid conversation webhook filter: {', '.join(bad)}. Conversation-scoped "
                f"webhooks take post-events only: {', '.join(sorted(SCOPED_EVENTS))}",
                code=50365,
            )
        if target == "webhook":
            config["filters"] = list(dict.fromkeys(fields.filters))
    if fields.triggers is not None and target == "trigger":
        if len(fields.triggers) > MAX_TRIGGERS:
            raise InvalidParameter("Too many trigger keywords (at most 5)", code=50362)
        for word in fields.triggers:
            if not word.strip() or len(word) > MAX_TRIGGER_LENGTH:
                raise InvalidParameter(f"Invalid trigger keyword: {word!r}", code=50366)
        config["triggers"] = list(fields.triggers)
        config["filters"] = list(fields.triggers)
    if fields.flow_sid is not None:
        if not is_sid(fields.flow_sid, "FW"):
            raise InvalidParameter("Configuration.FlowSid must be FW + 32 hex", code=50367)
        if target == "studio":
            config["flow_sid"] = fields.flow_sid
    return config


def _require(target: str, config: Record) -> None:
    if target in ("webhook", "trigger") and not config.get("url"):
        raise InvalidParameter("Configuration.Url is required", code=50369)
    if target == "webhook" and not config.get("filters"):
        raise InvalidParameter("Configuration.Filters is required", code=50370)
    if target == "trigger" and not config.get("triggers"):
        raise InvalidParameter("Configuration.Triggers is required", code=50371)
    if target == "studio" and not config.get("flow_sid"):
        raise InvalidParameter("Configuration.FlowSid is required", code=50367)


async def create(
    rt: Runtime,
    _actor: Actor,
    account_sid: str,
    service_sid: str,
    conversation_ref: str,
    fields: WebhookFields,
) -> Record:
    if not fields.target:
        raise InvalidParameter("Target is required", code=50368)
    if fields.target not in TARGETS:
        raise InvalidParameter(f"Invalid conversation webhook target {fields.target!r}", code=50364)
    replay_after = integer(fields.replay_after, "Configuration.ReplayAfter", minimum=0)
    base: Record = {"method": "post"} if fields.target != "studio" else {}
    config = _configuration(fields.target, fields, base)
    _require(fields.target, config)
    async with emit.action(rt) as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conversation_ref)
        # The limit holds under concurrency (docs/concurrency.md): creates for one
        # conversation queue on its row lock, so each counts the ones committed before it.
        await tx.lock("conversation", sid=conv["sid"])
        count = await tx.count("scoped_webhook", conversation_sid=conv["sid"])
        if count >= MAX_PER_CONVERSATION:
            raise LimitExceeded(
                "Too many conversation webhooks: a conversation has at most 5", code=50361
            )
        now = rt.now_iso()
        webhook: Record = {
            "sid": rt.sids.new("WH"),
            "account_sid": account_sid,
            "chat_service_sid": service_sid,
            "conversation_sid": conv["sid"],
            "target": fields.target,
            "configuration": config,
            "date_created": now,
            "date_updated": now,
        }
        await tx.insert("scoped_webhook", webhook)
        if replay_after is not None:
            await messages_replay.replay(rt, tx, conv, webhook, replay_after)
    return webhook


async def find(
    tx: Tx, account_sid: str, service_sid: str, conversation_ref: str, sid: str
) -> Record:
    conv = await conversations.find(tx, account_sid, service_sid, conversation_ref)
    if not is_sid(sid, "WH"):
        raise InvalidParameter(f"Invalid conversation webhook SID {sid}", code=50363)
    webhook = await tx.get("scoped_webhook", sid=sid, conversation_sid=conv["sid"])
    if webhook is None:
        raise NotFound(f"Conversation webhook {sid} not found", code=50360)
    return webhook


async def update(
    rt: Runtime,
    _actor: Actor,
    account_sid: str,
    service_sid: str,
    conversation_ref: str,
    sid: str,
    fields: WebhookFields,
) -> Record:
    async with emit.action(rt) as tx:
        webhook = await find(tx, account_sid, service_sid, conversation_ref, sid)
        config = _configuration(webhook["target"], fields, webhook["configuration"])
        _require(webhook["target"], config)
        webhook = webhook | {"configuration": config, "date_updated": rt.now_iso()}
        await tx.update("scoped_webhook", webhook)
    return webhook


async def delete(
    rt: Runtime, _actor: Actor, account_sid: str, service_sid: str, conversation_ref: str, sid: str
) -> None:
    async with rt.store.transaction() as tx:
        webhook = await find(tx, account_sid, service_sid, conversation_ref, sid)
        await tx.delete("scoped_webhook", sid=webhook["sid"])


async def get(
    rt: Runtime, account_sid: str, service_sid: str, conversation_ref: str, sid: str
) -> Record:
    async with rt.store.read() as tx:
        return await find(tx, account_sid, service_sid, conversation_ref, sid)


listing = conversations.children_listing("scoped_webhook")
