"""Twilio's list envelope: ``meta`` with absolute page URLs pointing at this server.

``PageToken`` is opaque to clients: ``PA<seq>`` continues after a row, ``PB<seq>`` goes
back before one. The SDK follows ``next_page_url`` verbatim.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from hookline.api.call import Call
from hookline.domain.validation import natural
from hookline.exceptions import InvalidParameter
from hookline.types import Record

DEFAULT_PAGE_SIZE = 50


def page_size(call: Call, maximum: int = 100, default: int = DEFAULT_PAGE_SIZE) -> int:
    raw = call.form.get("PageSize")
    if raw is None or raw == "":
        return min(default, maximum)
    problem = InvalidParameter(f"PageSize must be an integer from 1 to {maximum}")
    try:
        size = natural(raw, "PageSize", maximum)
    except InvalidParameter:
        raise problem from None  # one message for -1, 0, 101 and "ten" alike
    if size < 1:
        raise problem
    return size


def _token(call: Call) -> tuple[str, int]:
    token = call.form.get("PageToken") or ""
    if not token:
        return "PA", 0
    if token[:2] not in ("PA", "PB"):
        raise InvalidParameter("Invalid PageToken")
    return token[:2], natural(token[2:], "PageToken")


async def list_response(
    call: Call,
    kind: str,
    where: Mapping[str, Any],
    key: str,
    render: Callable[[Record], Record],
    *,
    maximum: int = 100,
    default_size: int = DEFAULT_PAGE_SIZE,
    descending: bool = False,
    extra_query: Mapping[str, str] | None = None,
) -> Record:
    size = page_size(call, maximum, default_size)
    direction, seq = _token(call)
    page_number = natural(call.form.get("Page") or "0", "Page")
    backwards = direction == "PB"
    async with call.rt.store.read() as tx:
        # Fetch one extra row to know whether another page exists.
        rows = await tx.page(kind, where, seq, size + 1, descending=descending ^ backwards)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    records = [render(doc) for _, doc in rows]
    path = f"{call.base_url}{call.request.url.path}"
    query = dict(extra_query or {})

    def url(page: int, token: str | None = None) -> str:
        params = query | {"PageSize": str(size), "Page": str(page)}
        if token:
            params["PageToken"] = token
        return f"{path}?{urlencode(params)}"

    has_next = (more and not backwards) or (backwards and seq > 0)
    has_prev = page_number > 0 and bool(rows)
    return {
        key: records,
        "meta": {
            "page": page_number,
            "page_size": size,
            "first_page_url": url(0),
            "previous_page_url": url(page_number - 1, f"PB{rows[0][0]}") if has_prev else None,
            "url": url(page_number, call.form.get("PageToken")),
            "next_page_url": url(page_number + 1, f"PA{rows[-1][0]}")
            if has_next and rows
            else None,
            "key": key,
        },
    }
