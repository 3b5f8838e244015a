"""Conversation timers: ISO-8601 durations that move a conversation to inactive/closed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from hookline.clock import LATEST, iso, later, parse_iso
from hookline.domain.runtime import Runtime
from hookline.exceptions import InvalidParameter
from hookline.naming import wire
from hookline.types import Record

_DURATION = re.compile(
    r"^P(?:(?P<days>[0-9]{1,9})D)?"
    r"(?:T(?:(?P<hours>[0-9]{1,9})H)?(?:(?P<minutes>[0-9]{1,9})M)?(?:(?P<seconds>[0-9]{1,9})S)?)?$"
)
MINIMUM = {"Timers.Inactive": timedelta(minutes=1), "Timers.Closed": timedelta(minutes=10)}
#: hookline's bound (Twilio documents none): keeps due dates far from datetime's limits.
MAXIMUM = timedelta(days=3650)


def parse_duration(text: str, name: str) -> timedelta:
    match = _DURATION.match(text)
    if not match or text in ("P", "PT"):
        raise InvalidParameter(f"{name} must be an ISO-8601 duration such as PT10M or P1D")
    parts = {key: int(value) for key, value in match.groupdict().items() if value}
    duration = timedelta(**parts)
    if duration < MINIMUM[name]:
        raise InvalidParameter(f"{name} must be at least {MINIMUM[name]}")
    if duration > MAXIMUM:
        raise InvalidParameter(f"{name} must be at most {MAXIMUM.days} days")
    return duration


def _due(now: datetime, duration: timedelta, name: str) -> datetime:
    try:
        return later(now, duration)
    except ValueError:
        raise InvalidParameter(f"{name} would fall after {iso(LATEST)}") from None


def apply_timers(rt: Runtime, conv: Record, fields: dict[str, str]) -> float | None:
    """Set ``timers.date_inactive/date_closed`` from the form; return the next due time."""
    timers = dict(conv.get("timers") or {})
    now = rt.clock.now()
    for name, key in (("timers_inactive", "date_inactive"), ("timers_closed", "date_closed")):
        if name in fields:
            if fields[name] == "":
                timers.pop(key, None)
            else:
                timers[key] = iso(_due(now, parse_duration(fields[name], wire(name)), wire(name)))
    if conv["state"] == "closed":
        timers = {}
    elif conv["state"] == "inactive":
        timers.pop("date_inactive", None)
    conv["timers"] = timers
    return next_due(conv)


def next_due(conv: Record) -> float | None:
    due = [parse_iso(value).timestamp() for value in (conv.get("timers") or {}).values()]
    return min(due) if due else None
