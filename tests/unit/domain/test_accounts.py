from __future__ import annotations

import asyncio

import pytest

from hookline.domain import accounts
from hookline.domain.accounts import Account
from hookline.domain.runtime import Runtime
from hookline.exceptions import Conflict, InvalidParameter, NotFound, Unauthorized
from hookline.sids import RandomSids
from hookline.store import open_store


async def test_account_sid_and_token_or_an_api_key_authenticate(
    rt: Runtime, account: Account
) -> None:
    assert await accounts.authenticate(rt, account.sid, account.auth_token) == account
    key = await accounts.create_api_key(rt, account.sid, "ci")
    assert key.sid.startswith("SK")
    assert await accounts.authenticate(rt, key.sid, key.secret) == account
    for username, password in [
        (account.sid, "wrong"),
        (key.sid, account.auth_token),
        ("AC" + "f" * 32, account.auth_token),
        ("", ""),
    ]:
        with pytest.raises(Unauthorized):
            await accounts.authenticate(rt, username, password)


async def test_each_account_has_its_own_default_service(rt: Runtime, account: Account) -> None:
    other = await accounts.create(rt)
    assert other.sid != account.sid
    assert other.default_service_sid != account.default_service_sid
    with pytest.raises(Unauthorized):
        await accounts.authenticate(rt, other.sid, account.auth_token)


async def test_fixed_credentials_are_created_once_and_token_can_rotate(rt: Runtime) -> None:
    sid = "AC" + "1" * 32
    first = await accounts.ensure(rt, sid, "a" * 32)
    again = await accounts.ensure(rt, sid, "a" * 32)
    assert first == again
    rotated = await accounts.ensure(rt, sid, "b" * 32)
    assert (
        rotated.auth_token == "b" * 32 and rotated.default_service_sid == first.default_service_sid
    )
    with pytest.raises(Unauthorized):
        await accounts.authenticate(rt, sid, "a" * 32)


async def test_bad_or_duplicate_account_sids_are_refused(rt: Runtime, account: Account) -> None:
    with pytest.raises(InvalidParameter):
        await accounts.create(rt, sid="ACnothex")
    with pytest.raises(Conflict):
        await accounts.create(rt, sid=account.sid)


async def test_an_api_key_needs_an_existing_account(rt: Runtime, account: Account) -> None:
    missing = "AC" + "f" * 32
    with pytest.raises(NotFound, match=missing):
        await accounts.create_api_key(rt, missing)
    async with rt.store.read() as tx:
        assert await tx.account(missing) is None


@pytest.mark.parametrize("password", ["pässwörd", "€" * 32, "\U0001f600", "\x00"])
async def test_non_ascii_passwords_are_unauthorized_for_known_and_unknown_sids(
    rt: Runtime, account: Account, password: str
) -> None:
    key = await accounts.create_api_key(rt, account.sid)
    for username in (account.sid, "AC" + "f" * 32, key.sid, "SK" + "f" * 32, "ÄC", "\x00"):
        with pytest.raises(Unauthorized):
            await accounts.authenticate(rt, username, password)


async def test_processes_starting_together_share_one_account(store_url: str) -> None:
    """Several runtimes (as several processes) ensure the start-up account at once: one
    creates it, every one gets it (fixed credentials, and none)."""
    stores = [await open_store(store_url) for _ in range(4)]
    try:
        runtimes = [Runtime(store=store, sids=RandomSids()) for store in stores]
        fixed = "AC" + "5" * 32
        got = await asyncio.gather(*(accounts.ensure(rt, fixed, "t" * 32) for rt in runtimes))
        assert {account.sid for account in got} == {fixed}
        assert len({account.default_service_sid for account in got}) == 1
        assert len(await accounts.all_accounts(runtimes[0])) == 1
    finally:
        for store in stores:
            await store.close()


async def test_without_fixed_credentials_the_first_process_creates_the_account(
    store_url: str,
) -> None:
    stores = [await open_store(store_url) for _ in range(4)]
    try:
        runtimes = [Runtime(store=store, sids=RandomSids()) for store in stores]
        got = await asyncio.gather(*(accounts.ensure(rt, None, None) for rt in runtimes))
        assert len({account.sid for account in got}) == 1, got
        assert len(await accounts.all_accounts(runtimes[0])) == 1
    finally:
        for store in stores:
            await store.close()
