"""Conversation Services: the container every conversation, user and role lives in."""

from __future__ import annotations

from hookline.domain import roles
from hookline.domain.paging import Page, PageRequest, page_of
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import sid as check_sid
from hookline.exceptions import InvalidParameter, NotFound
from hookline.store import Tx
from hookline.types import Record


async def create_in(tx: Tx, rt: Runtime, account_sid: str, *, friendly_name: str) -> Record:
    now = rt.now_iso()
    service = {
        "sid": rt.sids.new("IS"),
        "account_sid": account_sid,
        "friendly_name": friendly_name,
        "date_created": now,
        "date_updated": now,
    }
    await tx.insert("service", service)
    await roles.create_defaults(tx, rt, account_sid, service["sid"])
    return service


async def create(rt: Runtime, _actor: Actor, account_sid: str, fields: dict[str, str]) -> Record:
    friendly_name = fields.get("friendly_name")
    if not friendly_name:
        raise InvalidParameter("Missing required parameter FriendlyName in the post body")
    if len(friendly_name) > 256:
        raise InvalidParameter("FriendlyName must be at most 256 characters")
    async with rt.store.transaction() as tx:
        return await create_in(tx, rt, account_sid, friendly_name=friendly_name)


async def get_in(tx: Tx, account_sid: str, sid: str) -> Record:
    check_sid(sid, "IS", what="Service")
    service = await tx.get("service", account_sid=account_sid, sid=sid)
    if service is None:
        raise NotFound(f"The requested resource /Services/{sid} was not found")
    return service


async def get(rt: Runtime, account_sid: str, sid: str) -> Record:
    async with rt.store.read() as tx:
        return await get_in(tx, account_sid, sid)


async def delete(rt: Runtime, _actor: Actor, account_sid: str, sid: str) -> None:
    async with rt.store.transaction() as tx:
        account = await tx.account(account_sid)
        if account is not None and sid == account.default_service_sid:
            raise InvalidParameter("The default Conversation Service cannot be deleted", code=50400)
        await get_in(tx, account_sid, sid)
        for kind in (
            "binding",
            "scoped_webhook",
            "receipt",
            "message",
            "participant",
            "conversation",
            "user",
            "role",
        ):
            await tx.delete(kind, chat_service_sid=sid)
        await tx.delete("configuration", sid=sid)
        await tx.delete("service", sid=sid)
        await tx.delete_webhook_config(account_sid, sid)


async def listing(
    rt: Runtime, account_sid: str, _filters: dict[str, str], request: PageRequest
) -> Page[Record]:
    return await page_of(rt, "service", {"account_sid": account_sid}, request)
