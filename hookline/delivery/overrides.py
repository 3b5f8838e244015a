"""Twilio's webhook connection overrides, read from the URL fragment.

``https://example.com/hook#ct=1000&rt=3000&rc=3&rp=ct,5xx``. The fragment is never sent:
:func:`parse_url` returns the URL without it, which is also the URL that is signed.

Confirmed against Twilio's "Webhooks (HTTP callbacks): Connection Overrides" page
(https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides):

- ``ct`` connect timeout, ms: 100..10000, default 5000
- ``rt`` read timeout, ms (until the first response packet, and between packets):
  100..15000, default 15000
- ``tt`` total time, ms, for all timeouts including retries: 100..15000, default 15000
- ``rc`` retry count: 0..5, default 1
- ``rp`` retry policy: default ``ct``
- ``e`` egress edge: ignored here

``rp`` is a comma list; Twilio's error 11243 ("HTTP retry policy is invalid") confirms it is
validated. Its class names ``4xx``, ``5xx``, ``ct``, ``rt``, ``all`` come from the project
brief and public code using ``#rc=3&rp=ct,rt,5xx``; the docs excerpt available did not show
that row. Twilio also accepts ``sni``; it is irrelevant here and ignored.

hookline never rejects a URL for its fragment (Twilio would log 11243 and similar):
out-of-range numbers are clamped, unreadable ones and unknown ``rp`` classes fall back to
the defaults, unknown keys are ignored, and for a repeated key the last one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from hookline.delivery.signature import strip_fragment, wire_url

#: Every ``rp`` class Twilio defines.
RETRY_CLASSES = frozenset({"4xx", "5xx", "ct", "rt", "all"})
DEFAULT_RETRY_POLICY = frozenset({"ct"})

#: key → (minimum, maximum, default)
BOUNDS: dict[str, tuple[int, int, int]] = {
    "ct": (100, 10_000, 5_000),
    "rt": (100, 15_000, 15_000),
    "tt": (100, 15_000, 15_000),
    "rc": (0, 5, 1),
}


@dataclass(frozen=True)
class ConnectionOverrides:
    """The effective connection settings for one webhook URL (Twilio's defaults unless set)."""

    connect_timeout_ms: int = 5_000
    read_timeout_ms: int = 15_000
    total_timeout_ms: int = 15_000
    retry_count: int = 1
    retry_policy: frozenset[str] = DEFAULT_RETRY_POLICY
    #: Kept only so logs can show what was asked for; hookline has one egress.
    edge: str | None = None


DEFAULTS = ConnectionOverrides()


def _number(key: str, raw: str | None) -> int:
    low, high, default = BOUNDS[key]
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        return default
    return max(low, min(high, value))


def _retry_policy(raw: str | None) -> frozenset[str]:
    if raw is None:
        return DEFAULT_RETRY_POLICY
    classes = frozenset(part.strip().lower() for part in raw.split(",")) & RETRY_CLASSES
    return classes or DEFAULT_RETRY_POLICY


def parse_fragment(fragment: str) -> ConnectionOverrides:
    """Overrides from a fragment (with or without the leading ``#``); never raises."""
    values: dict[str, str] = {}
    for key, value in parse_qsl(fragment.removeprefix("#"), keep_blank_values=True):
        values[key.strip().lower()] = value
    edge = values.get("e", "").strip() or None
    return ConnectionOverrides(
        connect_timeout_ms=_number("ct", values.get("ct")),
        read_timeout_ms=_number("rt", values.get("rt")),
        total_timeout_ms=_number("tt", values.get("tt")),
        retry_count=_number("rc", values.get("rc")),
        retry_policy=_retry_policy(values.get("rp")),
        edge=edge,
    )


def parse_url(url: str) -> tuple[str, ConnectionOverrides]:
    """Split a configured webhook URL into the URL to send (and sign) and its overrides."""
    _, _, fragment = url.partition("#")
    overrides = parse_fragment(fragment) if fragment else DEFAULTS
    return wire_url(strip_fragment(url)), overrides
