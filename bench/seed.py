"""Bulk-store messages straight into a stopped server's database, with plain SQL.

Only the documented shape of the ``messages`` table is assumed (``sid``, ``conversation_sid``,
``index``, the JSON ``doc``; ``seq`` is generated) plus ``conversations.next_message_index``
when that column exists. The rows are copies of a message the API created, so every other
column is whatever hookline itself wrote; only ``sid`` and ``index`` change per copy.
"""

from __future__ import annotations

import itertools
import json
import secrets
import sqlite3
from collections.abc import Iterator
from typing import Any

import asyncpg

from bench.database import run_async, sqlite_path

CHUNK = 20_000
_INDEX_MARK = -987_654_321


def _new_sid() -> str:
    return "IM" + secrets.token_hex(16)


class Template:
    """One stored message and how to make its copies."""

    def __init__(self, columns: list[str], row: dict[str, Any]) -> None:
        self.columns = [name for name in columns if name != "seq"]
        self.row = row
        doc = row["doc"] if isinstance(row["doc"], dict) else json.loads(row["doc"])
        self.sid = str(row["sid"])
        self.first_index = int(row["index"]) + 1
        self.doc_text = json.dumps(doc | {"index": _INDEX_MARK})

    def copies(self, count: int) -> Iterator[tuple[Any, ...]]:
        for index in range(self.first_index, self.first_index + count):
            sid = _new_sid()
            changed = {
                "sid": sid,
                "index": index,
                "doc": self.doc_text.replace(self.sid, sid).replace(str(_INDEX_MARK), str(index)),
            }
            yield tuple(changed.get(name, self.row[name]) for name in self.columns)


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    while chunk := list(itertools.islice(rows, CHUNK)):
        yield chunk


def messages_into(database_url: str, conversation_sid: str, count: int) -> None:
    """Store ``count`` more messages in a conversation that has at least one message."""
    if database_url.startswith("sqlite"):
        _sqlite(database_url, conversation_sid, count)
    else:
        run_async(_postgres(database_url, conversation_sid, count))


_LAST = 'SELECT * FROM messages WHERE conversation_sid = {} ORDER BY "index" DESC LIMIT 1'


def _sqlite(url: str, conversation_sid: str, count: int) -> None:
    conn = sqlite3.connect(sqlite_path(url))
    try:
        cursor = conn.execute(_LAST.format("?"), (conversation_sid,))
        columns = [item[0] for item in cursor.description]
        found = cursor.fetchone()
        if found is None:
            raise RuntimeError(f"{conversation_sid} has no message to copy")
        template = Template(columns, dict(zip(columns, found, strict=True)))
        names = ", ".join(f'"{name}"' for name in template.columns)
        marks = ", ".join("?" for _ in template.columns)
        insert = f"INSERT INTO messages ({names}) VALUES ({marks})"
        for chunk in _chunks(template.copies(count)):
            with conn:
                conn.executemany(insert, chunk)
        conversation_columns = {row[1] for row in conn.execute("PRAGMA table_info(conversations)")}
        if "next_message_index" in conversation_columns:
            with conn:
                conn.execute(
                    "UPDATE conversations SET next_message_index = ? WHERE sid = ?",
                    (template.first_index + count, conversation_sid),
                )
    finally:
        conn.close()


async def _postgres(url: str, conversation_sid: str, count: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        found = await conn.fetchrow(_LAST.format("$1"), conversation_sid)
        if found is None:
            raise RuntimeError(f"{conversation_sid} has no message to copy")
        template = Template(list(found.keys()), dict(found))
        for chunk in _chunks(template.copies(count)):
            await conn.copy_records_to_table("messages", records=chunk, columns=template.columns)
        has_next_index = await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'conversations' AND column_name = 'next_message_index'"
        )
        if has_next_index:
            await conn.execute(
                "UPDATE conversations SET next_message_index = $1 WHERE sid = $2",
                template.first_index + count,
                conversation_sid,
            )
        await conn.execute("ANALYZE messages")
    finally:
        await conn.close()
