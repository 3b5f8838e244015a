"""The driver paths (``sqlite3``, asyncpg) give the same answers as SQLAlchemy.

Each check runs twice: a statement goes through SQLAlchemy the first time it is seen and
through the driver after that, so both paths must agree, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import bindparam, select

from hookline.exceptions import Duplicate
from hookline.store import AttemptRow, open_store
from hookline.store import _queries as q
from hookline.store import tables as t
from hookline.store._plans import Plan
from hookline.store.store import PostgresStore, SqliteStore, Store
from tests.conftest import reset_postgres

#: Built once, as the store's statements are (the driver paths plan those only).
NOT_IN = select(t.conversations.c.sid).where(
    t.conversations.c.sid.not_in(bindparam("excluded", expanding=True))
)

ACCOUNT = "AC" + "0" * 32
SERVICE = "IS" + "0" * 32


def _conversation(n: int, unique_name: str | None = None) -> dict[str, object]:
    return {
        "sid": f"CH{n:032d}",
        "account_sid": ACCOUNT,
        "chat_service_sid": SERVICE,
        "unique_name": unique_name,
        "state": "active",
        "attributes": {"nested": [1, "two"]},
    }


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "postgres":
        url = os.environ.get("HOOKLINE_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("HOOKLINE_TEST_POSTGRES_URL is not set (.ci/run sets it)")
        await reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'fast.db'}"
    opened = await open_store(url)
    assert isinstance(opened, SqliteStore | PostgresStore)
    yield opened
    await opened.close()


async def test_both_paths_read_and_write_the_same(store: Store) -> None:
    for n in (1, 2):
        async with store.transaction() as tx:
            await tx.insert("conversation", _conversation(n))  # next_message_index defaulted
            assert [await tx.next_message_index(f"CH{n:032d}") for _ in range(2)] == [0, 1]
        async with store.read() as tx:
            found = await tx.get("conversation", sid=f"CH{n:032d}", account_sid=ACCOUNT)
            assert found == _conversation(n)
            assert await tx.get("conversation", sid="CH" + "9" * 32, account_sid=ACCOUNT) is None
    assert isinstance(store, SqliteStore | PostgresStore)
    runner = store._fast if isinstance(store, SqliteStore) else store._runner
    plans = runner._plans._plans[q.take_next_message_index("x")[0]]
    assert plans and all(isinstance(plan, Plan) for plan in plans.values())


async def test_a_unique_violation_is_a_duplicate_on_both_paths(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.insert("conversation", _conversation(1, "room"))
    for n in (2, 3):
        with pytest.raises(Duplicate) as raised:
            async with store.transaction() as tx:
                await tx.insert("conversation", _conversation(n, "room"))
        assert raised.value.constraint == "uq_conversations_unique_name"
    async with store.read() as tx:
        assert await tx.count("conversation") == 1


async def test_a_read_sees_one_snapshot(store: Store) -> None:
    """The driver path opens the transaction SQLAlchemy would (BEGIN), so a read's
    statements see one snapshot even while a write commits between them (SQLite; on
    PostgreSQL, READ COMMITTED lets each statement see the latest commit, both paths)."""
    if isinstance(store, PostgresStore):
        pytest.skip("READ COMMITTED: a snapshot per statement")
    async with store.transaction() as tx:
        await tx.insert("conversation", _conversation(1))
    for _ in range(2):
        async with store.read() as tx:
            before = await tx.get("conversation", sid=f"CH{1:032d}", account_sid=ACCOUNT)
            async with store.transaction() as writer:
                await writer.update("conversation", _conversation(1, "renamed"))
            after = await tx.get("conversation", sid=f"CH{1:032d}", account_sid=ACCOUNT)
            assert before == after
        async with store.transaction() as writer:
            await writer.update("conversation", _conversation(1))


async def test_a_failed_transaction_rolls_back_driver_statements(store: Store) -> None:
    """Statements on the driver belong to the store's transaction: an error undoes them."""
    for n in (1, 2):  # the first insert goes through SQLAlchemy, the second on the driver
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                await tx.insert("conversation", _conversation(n))
                assert await tx.count("conversation") == 1
                raise RuntimeError("undo")
    async with store.read() as tx:
        assert await tx.count("conversation") == 0


async def test_an_expanding_in_list_runs_on_the_driver_with_any_length(store: Store) -> None:
    """The claim queries' NOT IN lists: rendered per length, the same rows either way."""
    async with store.transaction() as tx:
        for n in (1, 2, 3):
            await tx.insert("conversation", _conversation(n))
    statement = NOT_IN
    for excluded in ([], [f"CH{1:032d}"], [f"CH{1:032d}", f"CH{2:032d}"], []):
        async with store.read() as tx:
            found = await tx._execute(statement, {"excluded": excluded})
            sids = sorted(row.sid for row in found)
        expected = sorted(f"CH{n:032d}" for n in (1, 2, 3) if f"CH{n:032d}" not in excluded)
        assert sids == expected
    assert isinstance(store, SqliteStore | PostgresStore)
    runner = store._fast if isinstance(store, SqliteStore) else store._runner
    assert runner._plans.expands(NOT_IN, frozenset({"excluded"}))


async def test_rows_inserted_together_run_as_one_batch_on_the_driver(store: Store) -> None:
    """A list of rows (attempts, outbox rows) is one executemany on the driver. Compiled
    for one row, PostgreSQL's INSERT returned the new key, and each row of a batch ran as
    a statement of its own: a round trip per delivery attempt."""
    attempts = [
        AttemptRow(f"DL{n:032d}", ACCOUNT, 1, {"request": {"n": n}}, float(n)) for n in range(6)
    ]
    for part in (attempts[:3], attempts[3:]):  # SQLAlchemy first, then the driver
        async with store.transaction() as tx:
            await tx.insert_attempts(part)
    assert isinstance(store, SqliteStore | PostgresStore)
    runner = store._fast if isinstance(store, SqliteStore) else store._runner
    rows = [{"delivery_sid": "x", "account_sid": "y", "attempt": 1, "doc": {}, "created_at": 0}]
    call = runner._plans.for_call(q.insert_attempts(), rows * 2)
    assert call is not None, "left to the slow path"
    plan, _, many = call
    assert many and not plan.returns_rows
    async with store.read() as tx:
        logged = [await tx.attempts_of(a.delivery_sid) for a in attempts]
    assert [len(found) for found in logged] == [1] * 6
