"""Parameter checks shared by every resource; each raises a Twilio-coded error."""

from __future__ import annotations

import json
import re
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


#: A host name as DNS spells it (IDNs are checked after IDNA encoding); IP literals too.
_HOST_NAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$")


def http_url(value: str | None, name: str, *, code: int = 20001) -> str | None:
    """A webhook URL: absolute http(s) with a well-formed host and a port from 1 to 65535,
    or ``None``/empty (which clears it). Every URL that comes in (webhook configuration,
    scoped webhooks, Studio flow maps) passes here, so none is stored to fail at delivery."""
    if value is None or value == "":
        return None
    problem = _url_problem(value)
    if problem:
        raise InvalidParameter(
            f"{name} must be an absolute http or https URL: {problem}", code=code
        )
    return value


def _url_problem(value: str) -> str | None:
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in value):
        return "spaces and control characters are not allowed"  # urlsplit drops some silently
    try:
        parts = urlsplit(value)
        port = parts.port  # parsed lazily: out of range or not a number raises here
        host = parts.hostname
    except ValueError as exc:
        return str(exc)
    if parts.scheme.lower() not in ("http", "https"):
        return "the scheme must be http or https"
    if not host:
        return "the host is missing"
    if port == 0:
        return "port 0 is not a port"
    if ":" in host:
        return None  # an IPv6 literal, already checked by urlsplit
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return "the host is not a valid name"
    return None if _HOST_NAME.match(ascii_host) else "the host is not a valid name"


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


#: Digits Python will turn into an int (``sys.get_int_max_str_digits``'s default).
MAX_JSON_DIGITS = 4300


class _NotJson(ValueError):
    """Raised from inside ``json.loads`` for input Python accepts but JSON does not."""


def _no_constant(word: str) -> object:
    raise _NotJson(f"{word} is not a JSON value")


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_JSON_DIGITS:
        raise _NotJson(f"numbers may have at most {MAX_JSON_DIGITS} digits")
    return int(digits)


def attributes(value: str | None, name: str = "Attributes") -> str | None:
    """Twilio keeps Attributes as a JSON string; it must parse as strict JSON (no ``NaN`` or
    ``Infinity``, which Python's json module would otherwise take)."""
    if value is None:
        return None
    try:
        json.loads(value, parse_constant=_no_constant, parse_int=_bounded_int)
    except RecursionError:
        raise InvalidParameter(f"{name} is nested too deeply", code=50001) from None
    except _NotJson as exc:
        raise InvalidParameter(f"{name} must be valid JSON: {exc}", code=50001) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InvalidParameter(
            f"{name} must be valid JSON: {exc.msg} at {where}", code=50001
        ) from None
    except ValueError:
        raise InvalidParameter(f"{name} must be valid JSON", code=50001) from None
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


def boolean(value: str | None, name: str) -> bool | None:
    """``true``/``false`` in any case, as Twilio's SDKs send booleans; ``None`` when absent."""
    if value is None or value == "":
        return None
    if value.lower() not in ("true", "false"):
        raise InvalidParameter(f"{name} must be true or false")
    return value.lower() == "true"
