"""An account's fault-injection settings (``/_hookline/faults``), and the server default
(``serve --faults duplicate=0.1,delay=2``).

``Duplicate`` is the probability (0 to 1) that a delivery is sent twice with the same
``I-Twilio-Idempotency-Token``; ``Delay`` the most extra seconds (0 to 10) before an attempt.
What the worker does with them: :mod:`hookline.delivery.faults`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hookline.domain.runtime import Runtime
from hookline.exceptions import InvalidParameter
from hookline.types import Record

#: A delay is spent holding a lease (renewed by the live worker): kept short all the same.
MAX_DELAY = 10.0


@dataclass(frozen=True)
class Faults:
    duplicate: float = 0.0
    delay: float = 0.0

    def public(self) -> dict[str, float]:
        return {"duplicate": self.duplicate, "delay": self.delay}


def _number(value: str, name: str, maximum: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= maximum:  # NaN fails this too
        raise InvalidParameter(f"{name} must be a number from 0 to {maximum:g}")
    return number


def checked(duplicate: str | None, delay: str | None, current: Faults | None = None) -> Faults:
    """``current`` with the given fields applied (``None``/empty: keep), validated."""
    current = current or Faults()
    return Faults(
        _number(duplicate, "Duplicate", 1.0) if duplicate else current.duplicate,
        _number(delay, "Delay", MAX_DELAY) if delay else current.delay,
    )


def parse(spec: str | None) -> Faults:
    """``duplicate=0.1,delay=2`` (either part optional; empty or None: no faults)."""
    values: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        name = name.strip().lower()
        if name not in ("duplicate", "delay") or not value.strip():
            raise ValueError(f"faults: expected duplicate=P,delay=S, got {part.strip()!r}")
        values[name] = value.strip()
    try:
        return checked(values.get("duplicate"), values.get("delay"))
    except InvalidParameter as error:
        raise ValueError(f"faults: {error.message}") from None


def from_doc(doc: Mapping[str, Any] | None) -> Faults | None:
    if not doc:
        return None
    return Faults(float(doc.get("duplicate", 0.0)), float(doc.get("delay", 0.0)))


def _record(account_sid: str, faults: Faults) -> Record:
    return {"sid": account_sid, "account_sid": account_sid} | faults.public()


async def get(rt: Runtime, account_sid: str) -> Faults | None:
    """The account's own settings, or None (the server's default applies)."""
    async with rt.store.read() as tx:
        return from_doc(await tx.get("fault_setting", sid=account_sid))


async def put(rt: Runtime, account_sid: str, duplicate: str | None, delay: str | None) -> Faults:
    """Set ``Duplicate`` and/or ``Delay``; a field not given keeps its current value."""
    async with rt.store.transaction() as tx:
        current = from_doc(await tx.lock("fault_setting", sid=account_sid))
        faults = checked(duplicate, delay, current)
        if current is None:
            await tx.insert("fault_setting", _record(account_sid, faults))
        else:
            await tx.update("fault_setting", _record(account_sid, faults))
    return faults


async def clear(rt: Runtime, account_sid: str) -> None:
    async with rt.store.transaction() as tx:
        await tx.delete("fault_setting", sid=account_sid)
