"""Accounts, their credentials and the default Conversation Service each one owns."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from hookline.domain import services
from hookline.domain.runtime import Runtime
from hookline.exceptions import Conflict, Duplicate, InvalidParameter, NotFound, Unauthorized
from hookline.sids import is_sid
from hookline.store import AccountRow, ApiKeyRow, Tx


@dataclass(frozen=True)
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    default_service_sid: str


def _account(row: AccountRow) -> Account:
    return Account(
        sid=row.sid,
        auth_token=row.auth_token,
        friendly_name=row.friendly_name,
        default_service_sid=row.default_service_sid or "",
    )


async def create(
    rt: Runtime,
    *,
    friendly_name: str = "hookline",
    sid: str | None = None,
    auth_token: str | None = None,
) -> Account:
    sid = sid or rt.sids.new("AC")
    if not is_sid(sid, "AC"):
        raise InvalidParameter("AccountSid must be AC followed by 32 hex digits")
    token = auth_token or secrets.token_hex(16)
    try:
        async with rt.store.transaction() as tx:
            account = await _create_in(tx, rt, sid, token, friendly_name)
    except Duplicate:
        raise Conflict(f"Account {sid} already exists") from None
    rt.credentials.forget(f"account:{sid}")
    return account


async def _create_in(tx: Tx, rt: Runtime, sid: str, token: str, friendly_name: str) -> Account:
    await tx.insert_account(AccountRow(sid, token, friendly_name, None, rt.now_iso()))
    service = await services.create_in(tx, rt, sid, friendly_name="Default Service")
    await tx.update_account(sid, default_service_sid=service["sid"])
    return Account(sid, token, friendly_name, service["sid"])


async def get(rt: Runtime, sid: str) -> Account | None:
    async with rt.store.read() as tx:
        row = await tx.account(sid)
    return _account(row) if row else None


async def all_accounts(rt: Runtime) -> list[Account]:
    async with rt.store.read() as tx:
        return [_account(row) for row in await tx.accounts()]


async def ensure(rt: Runtime, sid: str | None, auth_token: str | None) -> Account:
    """The account the server starts with: the given one, else the first, else a new one."""
    if sid:
        existing = await get(rt, sid)
        if existing is None:
            try:
                return await create(rt, sid=sid, auth_token=auth_token)
            except Conflict:  # a process starting beside this one created it first
                existing = await get(rt, sid)
                if existing is None:
                    raise
        if auth_token and existing.auth_token != auth_token:
            async with rt.store.transaction() as tx:
                await tx.update_account(sid, auth_token=auth_token)
            rt.credentials.forget(f"account:{sid}")
            return Account(sid, auth_token, existing.friendly_name, existing.default_service_sid)
        return existing
    accounts = await all_accounts(rt)
    if accounts:
        return accounts[0]
    # Processes starting together on a new database: the first creates the account, the
    # others (waiting on the same key) find it.
    async with rt.store.transaction() as tx:
        await tx.serialize_on("hookline.bootstrap-account")
        found = await tx.accounts()
        if found:
            return _account(found[0])
        token = auth_token or secrets.token_hex(16)
        account = await _create_in(tx, rt, rt.sids.new("AC"), token, "hookline")
    rt.credentials.forget(f"account:{account.sid}")
    return account


async def create_api_key(rt: Runtime, account_sid: str, friendly_name: str = "") -> ApiKeyRow:
    """A new API key (SK…) and secret for an existing account; NotFound otherwise."""
    key = ApiKeyRow(rt.sids.new("SK"), account_sid, secrets.token_hex(16), friendly_name)
    async with rt.store.transaction() as tx:
        if await tx.account(account_sid) is None:
            raise NotFound(f"Account {account_sid} not found")
        await tx.insert_api_key(key)
    rt.credentials.forget(f"key:{key.sid}")
    return key


async def _key(rt: Runtime, sid: str) -> ApiKeyRow | None:
    """An API key, from the runtime's short-lived credentials cache."""

    async def load() -> ApiKeyRow | None:
        async with rt.store.read() as tx:
            return await tx.api_key(sid)

    row: ApiKeyRow | None = await rt.credentials.get(f"key:{sid}", load)
    return row


async def auth_token(rt: Runtime, sid: str) -> str | None:
    """The token webhooks of account ``sid`` are signed with (None: no such account), from
    the same short-lived cache as authentication: the hot paths that sign ask per request."""
    row = await _row(rt, sid)
    return row.auth_token if row else None


async def _row(rt: Runtime, sid: str) -> AccountRow | None:
    """An account, from the runtime's short-lived credentials cache."""

    async def load() -> AccountRow | None:
        async with rt.store.read() as tx:
            return await tx.account(sid)

    row: AccountRow | None = await rt.credentials.get(f"account:{sid}", load)
    return row


def _same_secret(expected: str, given: str) -> bool:
    """Constant-time comparison on UTF-8 bytes: ``compare_digest`` refuses non-ASCII ``str``
    (a TypeError, once a 500 that told an outsider which SIDs exist)."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


async def authenticate(rt: Runtime, username: str, password: str) -> Account:
    """Basic auth as Twilio takes it: AccountSid:AuthToken, or an API key SID and secret.
    A username that is no SID at all is refused without a lookup, like an unknown one."""
    if is_sid(username, "SK"):
        key = await _key(rt, username)
        if key and _same_secret(key.secret, password):
            row = await _row(rt, key.account_sid)
            if row:
                return _account(row)
    elif is_sid(username, "AC"):
        row = await _row(rt, username)
        if row and _same_secret(row.auth_token, password):
            return _account(row)
    # Twilio's own text for any refused pair (code 20003), a wrong token included: it
    # says nothing of which half was wrong, and neither may an emulator.
    raise Unauthorized("Authenticate")
