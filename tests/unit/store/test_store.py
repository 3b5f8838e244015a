from __future__ import annotations

import asyncio

import pytest

from hookline.exceptions import Duplicate
from hookline.store import open_store
from hookline.store.store import database_url


def test_database_url_picks_async_drivers() -> None:
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert database_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"


def _conversation(sid: str, unique_name: str | None = None) -> dict[str, object]:
    return {
        "sid": sid,
        "account_sid": "AC" + "0" * 32,
        "chat_service_sid": "IS" + "0" * 32,
        "unique_name": unique_name,
        "state": "active",
    }


async def test_insert_get_update_delete_round_trip(store_url: str) -> None:
    store = await open_store(store_url)
    sid = "CH" + "1" * 32
    async with store.transaction() as tx:
        await tx.insert("conversation", _conversation(sid, "room"))
    async with store.read() as tx:
        assert (await tx.get("conversation", unique_name="room"))["sid"] == sid
    async with store.transaction() as tx:
        await tx.update("conversation", _conversation(sid, "renamed"))
    async with store.read() as tx:
        assert await tx.get("conversation", unique_name="room") is None
        assert await tx.count("conversation", unique_name="renamed") == 1
    async with store.transaction() as tx:
        assert await tx.delete("conversation", sid=sid) == 1
    await store.close()


async def test_unique_name_is_unique_per_service_and_rolls_back(store_url: str) -> None:
    store = await open_store(store_url)
    async with store.transaction() as tx:
        await tx.insert("conversation", _conversation("CH" + "1" * 32, "room"))
    with pytest.raises(Duplicate) as raised:
        async with store.transaction() as tx:
            await tx.insert("conversation", _conversation("CH" + "2" * 32))
            await tx.insert("conversation", _conversation("CH" + "3" * 32, "room"))
    assert raised.value.constraint == "uq_conversations_unique_name"
    async with store.read() as tx:
        # The whole failed transaction rolled back, its first insert included.
        assert await tx.count("conversation") == 1
    await store.close()


async def test_message_indexes_are_gap_free_under_concurrency(store_url: str) -> None:
    store = await open_store(store_url)
    sid = "CH" + "1" * 32
    async with store.transaction() as tx:
        await tx.insert("conversation", _conversation(sid))

    async def take() -> int:
        async with store.transaction() as tx:
            return await tx.next_message_index(sid)

    indexes = await asyncio.gather(*(take() for _ in range(50)))
    assert sorted(indexes) == list(range(50))
    await store.close()


async def test_data_survives_reopening(store_url: str) -> None:
    store = await open_store(store_url)
    async with store.transaction() as tx:
        await tx.insert("conversation", _conversation("CH" + "1" * 32))
    await store.close()
    reopened = await open_store(store_url)
    async with reopened.read() as tx:
        assert await tx.count("conversation") == 1
    await reopened.close()


async def test_paging_walks_forwards_and_backwards(store_url: str) -> None:
    store = await open_store(store_url)
    async with store.transaction() as tx:
        for n in range(5):
            await tx.insert("conversation", _conversation(f"CH{n:032x}"))
    async with store.read() as tx:
        first = await tx.page("conversation", {}, 0, 2)
        second = await tx.page("conversation", {}, first[-1][0], 2)
        back = await tx.page("conversation", {}, second[0][0], 2, descending=True)
    assert [doc["sid"] for _, doc in first] == [f"CH{n:032x}" for n in (0, 1)]
    assert [doc["sid"] for _, doc in second] == [f"CH{n:032x}" for n in (2, 3)]
    assert [doc["sid"] for _, doc in back] == [f"CH{n:032x}" for n in (1, 0)]
    await store.close()


def _participant(n: int, identity: str | None, address: str | None) -> dict[str, object]:
    return {
        "sid": f"MB{n:032d}",
        "account_sid": "AC" + "0" * 32,
        "chat_service_sid": "IS" + "0" * 32,
        "conversation_sid": "CH" + "1" * 32,
        "identity": identity,
        "address": address,
    }


async def test_a_messages_author_is_found_by_identity_before_address(store_url: str) -> None:
    """One statement finds the author's participant: by identity, else by address (as
    Twilio matches ``Author``), in this conversation only."""
    store = await open_store(store_url)
    conversation = "CH" + "1" * 32
    async with store.transaction() as tx:
        await tx.insert("participant", _participant(1, None, "bob"))  # an SMS participant
        await tx.insert("participant", _participant(2, "bob", None))
        await tx.insert("participant", _participant(3, None, "+15550100"))
        await tx.insert(
            "participant", _participant(4, "carol", None) | {"conversation_sid": "CH" + "2" * 32}
        )
    async with store.read() as tx:
        for _ in range(2):  # SQLAlchemy's path first, then the driver's
            by_identity = await tx.participant_by_author(conversation, "bob")
            by_address = await tx.participant_by_author(conversation, "+15550100")
            elsewhere = await tx.participant_by_author(conversation, "carol")
            assert by_identity is not None and by_identity["sid"] == f"MB{2:032d}"
            assert by_address is not None and by_address["sid"] == f"MB{3:032d}"
            assert elsewhere is None
    await store.close()


async def test_a_services_webhook_configuration_comes_with_the_accounts(store_url: str) -> None:
    """Read together (one statement), the two scopes stay apart: each its own document,
    or None when it has none."""
    store = await open_store(store_url)
    account, service = "AC" + "0" * 32, "IS" + "0" * 32
    async with store.transaction() as tx:
        await tx.save_webhook_config(account, "", {"post_webhook_url": "http://global.test/"})
    for _ in range(2):
        async with store.read() as tx:
            assert await tx.webhook_config(account, service) is None
            assert await tx.webhook_config(account, "") == {
                "post_webhook_url": "http://global.test/"
            }
    async with store.transaction() as tx:
        await tx.save_webhook_config(account, service, {"post_webhook_url": "http://svc.test/"})
        assert await tx.webhook_config(account, service) == {"post_webhook_url": "http://svc.test/"}
    async with store.read() as tx:
        assert await tx.webhook_config(account, service) == {"post_webhook_url": "http://svc.test/"}
        assert await tx.webhook_config(account, "") == {"post_webhook_url": "http://global.test/"}
    await store.close()
