"""Waiting on a condition (never a sleep standing in for one), with a generous deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_until(what: str, condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    """``condition()``'s first truthy result; AssertionError naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting until {what}")
