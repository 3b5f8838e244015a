"""Bulk set-up straight into a stopped server's SQLite file, through hookline's own tables.

Rows are built by hookline's own code (``messages.event_params``, ``events.event``,
``outbox.delivery_row``, ``sender.prepare``) so they are what the API would have written;
only the per-row HTTP round trip is skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.engine import Engine

from hookline.delivery import outbox
from hookline.delivery.sender import prepare
from hookline.domain import messages
from hookline.domain.events import event
from hookline.domain.runtime import Actor, Runtime
from hookline.store import Store
from hookline.store import tables as t

CHUNK = 5_000


@dataclass(frozen=True)
class Target:
    """Where each seeded event goes: ``config`` (global URL) or a scoped ``webhook``."""

    kind: str
    url: str
    webhook_sid: str | None = None


def _engine(db_path: Path) -> Engine:
    return create_engine(f"sqlite:///{db_path}")


def _runtime() -> Runtime:
    # delivery_row only needs the clock and the SID source, not the store.
    return Runtime(store=cast(Store, None))


def _conversation(engine: Engine, conversation_sid: str) -> dict[str, Any]:
    c = t.conversations.c
    with engine.connect() as conn:
        row = conn.execute(select(c.doc, c.next_message_index).where(c.sid == conversation_sid))
        doc, next_index = row.one()
    return dict(doc) | {"next_message_index": int(next_index or 0)}


def _message(rt: Runtime, conv: dict[str, Any], index: int, body: str) -> dict[str, Any]:
    now = rt.now_iso()
    return {
        "participant_sid": None,
        "media": None,
        "attributes": "{}",
        "author": "system",
        "body": body,
        "sid": rt.sids.new("IM"),
        "account_sid": conv["account_sid"],
        "chat_service_sid": conv["chat_service_sid"],
        "conversation_sid": conv["sid"],
        "index": index,
        "date_created": now,
        "date_updated": now,
        "delivery": None,
        "content_sid": None,
    }


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def messages_into(db_path: Path, conversation_sid: str, count: int, body: str = "seed") -> None:
    """Store ``count`` more messages in the conversation and advance its next index."""
    engine = _engine(db_path)
    rt = _runtime()
    conv = _conversation(engine, conversation_sid)
    first = conv["next_message_index"]

    def rows() -> Iterator[dict[str, Any]]:
        for index in range(first, first + count):
            doc = _message(rt, conv, index, f"{body} {index}")
            yield {
                "sid": doc["sid"],
                "account_sid": doc["account_sid"],
                "chat_service_sid": doc["chat_service_sid"],
                "conversation_sid": doc["conversation_sid"],
                "index": index,
                "doc": doc,
            }

    try:
        for chunk in _chunks(rows(), 20_000):
            with engine.begin() as conn:
                conn.execute(insert(t.messages), chunk)
        c = t.conversations.c
        with engine.begin() as conn:
            values = {"next_message_index": first + count}
            conn.execute(update(t.conversations).where(c.sid == conversation_sid).values(values))
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Stream:
    """Events in one conversation, each delivered to every one of ``targets``."""

    conversation_sid: str
    targets: list[Target]


def outbox_into(db_path: Path, streams: list[Stream], count: int, auth_token: str) -> list[bytes]:
    """Write ``count`` onMessageAdded events per stream, interleaved in time, with one pending
    delivery per target each (what the API writes for a message with webhooks enabled).

    Returns the exact bodies hookline will POST for the first stream's first target (with
    ``RetryCount=0``), so the baseline client can send the same bytes.
    """
    engine = _engine(db_path)
    rt = _runtime()
    convs = [_conversation(engine, stream.conversation_sid) for stream in streams]
    bodies: list[bytes] = []

    def rows() -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        for index in range(count):
            for number, (stream, conv) in enumerate(zip(streams, convs, strict=True)):
                event_row, deliveries = _event_rows(rt, conv, index, stream.targets)
                if number == 0:
                    first = deliveries[0]
                    params = dict(first["params"]) | {"RetryCount": "0"}
                    token = first["idempotency_token"]
                    bodies.append(
                        prepare(first["url"], "POST", params, auth_token, token).request.body
                    )
                yield event_row, deliveries

    try:
        for chunk in _pairs(rows()):
            with engine.begin() as conn:
                conn.execute(insert(t.events), [pair[0] for pair in chunk])
                conn.execute(insert(t.deliveries), [d for pair in chunk for d in pair[1]])
    finally:
        engine.dispose()
    return bodies


def _event_rows(
    rt: Runtime, conv: dict[str, Any], index: int, targets: list[Target]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    message = _message(rt, conv, index, f"hello {index}")
    built = event(
        "onMessageAdded",
        Actor.rest(True),
        account_sid=conv["account_sid"],
        chat_service_sid=conv["chat_service_sid"],
        conversation_sid=conv["sid"],
        params=messages.event_params(message, conv, "onMessageAdded"),
    )
    event_sid = rt.sids.new("EV")
    event_row = {
        "sid": event_sid,
        "account_sid": built.account_sid,
        "chat_service_sid": built.chat_service_sid,
        "conversation_sid": built.conversation_sid,
        "event_type": built.name,
        "source": built.source,
        "params": dict(built.params),
        "date_created": rt.now_iso(),
    }
    deliveries = [
        outbox.delivery_row(
            rt,
            built,
            event_sid,
            kind=target.kind,
            url=target.url,
            method="POST",
            webhook_sid=target.webhook_sid,
        )
        for target in targets
    ]
    return event_row, deliveries


def _pairs(
    rows: Iterator[tuple[dict[str, Any], list[dict[str, Any]]]],
) -> Iterator[list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
    while chunk := list(itertools.islice(rows, CHUNK)):
        yield chunk
