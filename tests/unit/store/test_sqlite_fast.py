"""SQLite's driver fast path gives the same answers as SQLAlchemy, and falls back to it.

Each check runs twice: a statement goes through SQLAlchemy the first time it is seen and
through the ``sqlite3`` driver after that, so both paths must agree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hookline.exceptions import Duplicate
from hookline.store import _queries as q
from hookline.store import open_store
from hookline.store._sqlite_fast import Plan
from hookline.store.store import SqliteStore

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


async def _store(tmp_path: Path) -> SqliteStore:
    store = await open_store(f"sqlite:///{tmp_path / 'fast.db'}")
    assert isinstance(store, SqliteStore)
    return store


async def test_both_paths_read_and_write_the_same(tmp_path: Path) -> None:
    store = await _store(tmp_path)
    for n in (1, 2):
        async with store.transaction() as tx:
            await tx.insert("conversation", _conversation(n))  # next_message_index defaulted
            assert [await tx.next_message_index(f"CH{n:032d}") for _ in range(2)] == [0, 1]
        async with store.read() as tx:
            found = await tx.get("conversation", sid=f"CH{n:032d}", account_sid=ACCOUNT)
            assert found == _conversation(n)
            assert await tx.get("conversation", sid="CH" + "9" * 32, account_sid=ACCOUNT) is None
    plans = store._fast._plans[q.take_next_message_index("x")[0]]
    assert all(isinstance(plan, Plan) for plan in plans.values())
    await store.close()


async def test_a_unique_violation_is_a_duplicate_on_both_paths(tmp_path: Path) -> None:
    store = await _store(tmp_path)
    async with store.transaction() as tx:
        await tx.insert("conversation", _conversation(1, "room"))
    for n in (2, 3):
        with pytest.raises(Duplicate) as raised:
            async with store.transaction() as tx:
                await tx.insert("conversation", _conversation(n, "room"))
        assert raised.value.constraint == "uq_conversations_unique_name"
    async with store.read() as tx:
        assert await tx.count("conversation") == 1
    await store.close()


async def test_a_read_sees_one_snapshot(tmp_path: Path) -> None:
    """The driver path opens the transaction SQLAlchemy would (BEGIN), so a read's
    statements see one snapshot even while a write commits between them."""
    store = await _store(tmp_path)
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
    await store.close()
