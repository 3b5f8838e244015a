"""``After``/``Limit``: how the control API's logs (events, deliveries) are paged."""

from __future__ import annotations

from hookline.domain.validation import natural
from hookline.exceptions import InvalidParameter
from hookline.web.call import Call

MAX_LIMIT = 1000


def after_and_limit(call: Call) -> tuple[int, int]:
    """Rows with ``seq`` greater than ``After`` (default 0), at most ``Limit`` (100)."""
    after = natural(call.form.get("After") or "0", "After")
    limit = natural(call.form.get("Limit") or "100", "Limit", MAX_LIMIT)
    if limit < 1:
        raise InvalidParameter(f"Limit must be from 1 to {MAX_LIMIT}")
    return after, limit


def newest_first(call: Call) -> bool:
    """``Order=desc`` lists newest first (the inspector's view); ``asc`` is the default."""
    order = (call.form.get("Order") or "asc").lower()
    if order not in ("asc", "desc"):
        raise InvalidParameter("Order must be asc or desc")
    return order == "desc"
