"""Twilio-style identifiers: two letters and 32 hex digits.

Production uses random SIDs; tests swap in :class:`SequentialSids` so identifiers are
predictable.
"""

from __future__ import annotations

import re
import secrets
import threading
from typing import Protocol

SID_PATTERN = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


class SidSource(Protocol):
    def new(self, prefix: str) -> str: ...


class RandomSids:
    def new(self, prefix: str) -> str:
        return prefix + secrets.token_hex(16)


class SequentialSids:
    """Deterministic SIDs (``CH000…001``) for tests."""

    def __init__(self) -> None:
        self._counter = 0
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}{self._counter:032x}"


def is_sid(value: str, prefix: str) -> bool:
    return value.startswith(prefix) and SID_PATTERN.match(value) is not None
