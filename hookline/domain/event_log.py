"""The event log (``/_hookline/events``): every event the domain emitted, in order."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from hookline.domain.runtime import Runtime
from hookline.types import Record

#: The filters :func:`page` takes: column → value.
FILTERS = ("event_type", "conversation_sid")


async def page(
    rt: Runtime,
    account_sid: str,
    after: int,
    limit: int,
    filters: Mapping[str, str],
    descending: bool = False,
) -> tuple[list[Record], int]:
    """Events after position ``after`` (their ``seq``), oldest first (``descending``:
    newest first), and the position to go on from."""
    await rt.sink.settled()  # the pre-event log is written off the request path
    async with rt.store.read() as tx:
        rows = await tx.events_page(account_sid, after, limit, filters, descending)
    return [dataclasses.asdict(row) for row in rows], max((row.seq for row in rows), default=after)
