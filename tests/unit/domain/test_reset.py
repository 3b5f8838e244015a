"""``reset_account``: every table's rows of the account go, another account's stay."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import Float, Integer, Table, func, select

from hookline.domain import accounts
from hookline.domain.accounts import Account
from hookline.domain.reset import reset_account
from hookline.domain.runtime import Runtime
from hookline.store import _queries as q
from hookline.store import tables as t

KEPT = {"accounts", "api_keys"}  # the account's identity and credentials survive a reset
_counter = itertools.count(1)


def fake_row(table: Table, account_sid: str) -> dict[str, Any]:
    """A row with a distinct value in every column, so no unique constraint is hit."""
    n = next(_counter)
    row: dict[str, Any] = {}
    for column in table.c:
        if column.name == "seq":
            continue
        if column.name == "account_sid":
            row["account_sid"] = account_sid
        elif column.name in ("doc", "params"):
            row[column.name] = {"n": n}
        elif isinstance(column.type, Integer | Float):
            row[column.name] = n
        else:
            row[column.name] = f"v{n}"  # short: fits every VARCHAR on PostgreSQL
    return row


async def fill(rt: Runtime, account: Account) -> None:
    async with rt.store.transaction() as tx:
        for table in q.ACCOUNT_DATA:
            for _ in range(2):
                await tx._execute(table.insert().values(fake_row(table, account.sid)))


async def counts(rt: Runtime, account_sid: str) -> dict[str, int]:
    found = {}
    async with rt.store.read() as tx:
        for table in q.ACCOUNT_DATA:
            statement = select(func.count()).where(table.c.account_sid == account_sid)
            found[table.name] = int((await tx._execute(statement)).scalar_one())
    return found


def test_every_table_of_account_data_is_reset() -> None:
    with_account = {table.name for table in t.metadata.tables.values() if "account_sid" in table.c}
    assert with_account - KEPT == {table.name for table in q.ACCOUNT_DATA}


async def test_reset_empties_the_account_and_keeps_its_default_service(
    rt: Runtime, account: Account
) -> None:
    other = await accounts.create(rt)
    key = await accounts.create_api_key(rt, account.sid)
    await fill(rt, account)
    await fill(rt, other)
    other_before = await counts(rt, other.sid)

    await reset_account(rt, account)

    after = await counts(rt, account.sid)
    assert after.pop("services") == 1 and after.pop("roles") == 4
    assert set(after.values()) == {0}, after
    async with rt.store.read() as tx:
        assert await tx.get("service", sid=account.default_service_sid) is not None
        roles = await tx.find("role", chat_service_sid=account.default_service_sid)
    assert sorted(role["friendly_name"] for role in roles) == [
        "channel admin", "channel user", "service admin", "service user",
    ]  # fmt: skip
    assert await counts(rt, other.sid) == other_before
    assert await accounts.authenticate(rt, account.sid, account.auth_token) == account
    assert await accounts.authenticate(rt, key.sid, key.secret) == account
