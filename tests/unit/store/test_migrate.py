"""Opening a store migrates it once: the next opening (another process, a restart) finds
the schema at head and says it did nothing."""

from __future__ import annotations

from pathlib import Path

from hookline.store import open_store


async def test_only_the_first_opening_migrates(store_url: str) -> None:
    first = await open_store(store_url)
    second = await open_store(store_url)
    try:
        assert (first.migrated, second.migrated) == (True, False)
    finally:
        await first.close()
        await second.close()


async def test_sqlite_migrates_under_a_lock_file_beside_the_database(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'h.db'}")
    await store.close()
    assert (tmp_path / "h.db.lock").exists()
    in_memory = await open_store("sqlite:///:memory:")
    await in_memory.close()
