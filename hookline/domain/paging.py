"""One page of a resource list: what to read (:class:`PageRequest`) and what was read
(:class:`Page`). The list envelope and its page tokens are the HTTP layer's business
(:mod:`hookline.web.paging`); the domain only walks the store's insertion order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from hookline.domain.runtime import Runtime
from hookline.store import Tx
from hookline.types import Record


@dataclass(frozen=True)
class PageRequest:
    """``size`` rows after the row ``after`` (a position, 0 = the start), or before it when
    ``backwards``; ``descending`` lists newest first."""

    size: int
    after: int = 0
    backwards: bool = False
    descending: bool = False


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    records: list[T]
    #: The position of each record, for the next and previous page tokens.
    positions: list[int]
    #: Whether rows exist beyond this page in the direction it was read.
    more: bool


async def read_page(
    tx: Tx, kind: str, where: Mapping[str, Any], request: PageRequest
) -> Page[Record]:
    # One row more than asked tells whether another page exists.
    rows = await tx.page(
        kind, where, request.after, request.size + 1,
        descending=request.descending ^ request.backwards,
    )  # fmt: skip
    more = len(rows) > request.size
    rows = rows[: request.size]
    if request.backwards:
        rows.reverse()
    return Page([doc for _, doc in rows], [seq for seq, _ in rows], more)


async def page_of(
    rt: Runtime, kind: str, where: Mapping[str, Any], request: PageRequest
) -> Page[Record]:
    async with rt.store.read() as tx:
        return await read_page(tx, kind, where, request)


def page_of_items(items: list[T], request: PageRequest) -> Page[T]:
    """A page of a list already in memory (a short catalogue, a filtered few): positions
    are 1-based indexes into ``items``, so page tokens work as for stored rows."""
    numbered = list(enumerate(items, 1))
    if request.backwards:
        before = [pair for pair in numbered if pair[0] < request.after]
        chosen, more = before[-request.size :], len(before) > request.size
    else:
        after = [pair for pair in numbered if pair[0] > request.after]
        chosen, more = after[: request.size], len(after) > request.size
    return Page([item for _, item in chosen], [index for index, _ in chosen], more)
