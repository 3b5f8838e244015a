"""Parameter checks shared by every resource; each raises a Twilio-coded error."""

from __future__ import annotations

import json
from typing import overload
from urllib.parse import urlsplit

from hookline.clock import iso, parse_iso
from hookline.exceptions import InvalidParameter, NotFound
from hookline.naming import wire
from hookline.sids import is_sid


def sid(value: str, prefix: str, *, what: str, code: int = 20404) -> str:
    """A SID in a URL path: malformed ones are simply not found, as Twilio answers."""
    if not is_sid(value, prefix):
        raise NotFound(f"The requested resource {what} {value} was not found", code=code)
    return value


def sid_param(value: str | None, prefix: str, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not is_sid(value, prefix):
        raise InvalidParameter(f"{name} must be a {prefix} SID (e.g. {prefix}{'0' * 32})")
    return value


def http_url(value: str | None, name: str, *, code: int = 20001) -> str | None:
    """An absolute http(s) URL, or ``None``/empty (which clears it)."""
    if value is None or value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameter(f"{name} must be an absolute http or https URL", code=code)
    return value


def method(value: str | None, name: str, *, lowercase: bool = False) -> str | None:
    if value is None or value == "":
        return None
    if value.upper() not in ("GET", "POST"):
        raise InvalidParameter(f"{name} must be GET or POST")
    return value.lower() if lowercase else value.upper()


def one_of(value: str | None, name: str, allowed: tuple[str, ...], *, code: int = 20001) -> str:
    if value is None or value not in allowed:
        raise InvalidParameter(f"{name} must be one of: {', '.join(allowed)}", code=code)
    return value


def attributes(value: str | None, name: str = "Attributes") -> str | None:
    """Twilio keeps Attributes as a JSON string; it must parse."""
    if value is None:
        return None
    try:
        json.loads(value)
    except RecursionError:
        raise InvalidParameter(f"{name} is nested too deeply", code=50001) from None
    except ValueError as exc:
        raise InvalidParameter(f"{name} must be valid JSON: {exc}", code=50001) from None
    return value


#: Largest integer hookline accepts from a client: fits a signed 64-bit database column.
MAX_INTEGER = 2**63 - 1


def natural(value: str, name: str, maximum: int = MAX_INTEGER) -> int:
    """A non-negative decimal integer of ASCII digits, at most ``maximum``; else 400."""
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) > maximum:
        raise InvalidParameter(f"{name} must be a whole number from 0 to {maximum}")
    return int(value)


def integer(value: str | None, name: str, *, minimum: int | None = None) -> int | None:
    if value is None or value == "":
        return None
    sign, digits = ("-", value[1:]) if value.startswith("-") else ("", value)
    if not digits:
        raise InvalidParameter(f"{name} must be an integer")
    number = int(sign + str(natural(digits, name)))
    if minimum is not None and number < minimum:
        raise InvalidParameter(f"{name} must be at least {minimum}")
    return number


@overload
def timestamp(fields: dict[str, str], name: str, default: str) -> str: ...
@overload
def timestamp(fields: dict[str, str], name: str, default: None) -> str | None: ...
def timestamp(fields: dict[str, str], name: str, default: str | None) -> str | None:
    """``fields[name]`` (a snake_case field) as Twilio's ISO-8601 rendering, ``default``
    when absent; else 400."""
    if not fields.get(name):
        return default
    try:
        return iso(parse_iso(fields[name]))
    except ValueError:
        raise InvalidParameter(f"{wire(name)} must be an ISO-8601 date-time") from None
