"""Twilio's list envelope: ``meta`` with absolute page URLs pointing at this server.

``PageToken`` is opaque to clients: ``PA<seq>`` continues after a row, ``PB<seq>`` goes
back before one. The SDK follows ``next_page_url`` verbatim.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from hookline.domain.paging import Page, PageRequest
from hookline.domain.validation import natural
from hookline.exceptions import InvalidParameter
from hookline.types import Record
from hookline.web.call import Call

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


def page_request(
    call: Call,
    *,
    maximum: int = 100,
    default_size: int = DEFAULT_PAGE_SIZE,
    descending: bool = False,
) -> PageRequest:
    """What ``PageSize`` and ``PageToken`` ask for."""
    direction, position = _token(call)
    size = page_size(call, maximum, default_size)
    natural(call.form.get("Page") or "0", "Page")
    return PageRequest(size, position, backwards=direction == "PB", descending=descending)


def envelope(
    call: Call,
    key: str,
    page: Page[Any],
    request: PageRequest,
    render: Callable[[Any], Record],
    extra_query: Mapping[str, str | list[str]] | None = None,
) -> Record:
    """Twilio's list body: the rendered records under ``key`` and the ``meta`` links."""
    page_number = natural(call.form.get("Page") or "0", "Page")
    path = f"{call.base_url}{call.request.url.path}"
    query: dict[str, str | list[str]] = dict(extra_query or {})

    def url(number: int, token: str | None = None) -> str:
        params = query | {"PageSize": str(request.size), "Page": str(number)}
        if token:
            params["PageToken"] = token
        # doseq: a repeated filter (``Identity=a&Identity=b``) stays repeated.
        return f"{path}?{urlencode(params, doseq=True)}"

    positions = page.positions
    has_next = (page.more and not request.backwards) or (request.backwards and request.after > 0)
    has_prev = page_number > 0 and bool(positions)
    return {
        key: [render(record) for record in page.records],
        "meta": {
            "page": page_number,
            "page_size": request.size,
            "first_page_url": url(0),
            "previous_page_url": url(page_number - 1, f"PB{positions[0]}") if has_prev else None,
            "url": url(page_number, call.form.get("PageToken")),
            "next_page_url": url(page_number + 1, f"PA{positions[-1]}")
            if has_next and positions
            else None,
            "key": key,
        },
    }
