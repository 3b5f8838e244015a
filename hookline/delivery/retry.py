"""Retry schedules for post-event deliveries, and which failures are worth retrying.

``--retry-policy`` / ``HOOKLINE_RETRY_POLICY`` takes ``twilio``, ``durable`` or a custom
``attempts=8,base=2,factor=2,cap=600,jitter=0.1`` (see :func:`parse`). Every decision
(retry or not, and when) is the policy's: the worker asks :meth:`RetryPolicy.decide`,
with keyword arguments, and gets a :class:`RetryDecision` back.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, fields, replace
from email.utils import parsedate_to_datetime

from hookline.delivery.overrides import ConnectionOverrides
from hookline.delivery.states import ErrorKind

_DEFAULT_RNG = random.Random()

#: The failures a schedule of our own retries (``rp`` classes, see :func:`should_retry`):
#: server errors, timeouts, throttling. Other 4xx are the receiver's final word.
DURABLE_CLASSES = frozenset({"5xx", "ct", "rt", "429", "408"})


@dataclass(frozen=True)
class RetryDecision:
    """What to do after a failed attempt: retry ``delay`` seconds later, or give up."""

    retry: bool
    #: Seconds until the next attempt; None when giving up.
    delay: float | None
    #: Why, for logs and tests: ``scheduled``, ``retry-after``, ``attempts used up``,
    #: ``not retryable``.
    reason: str

    @classmethod
    def give_up(cls, reason: str) -> RetryDecision:
        return cls(False, None, reason)


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a failed delivery again.

    ``delay(attempt) = min(cap, base * factor**(attempt-1)) * (1 + jitter*U(-1,1))``

    ``attempt`` is the number of the attempt that just failed (1 for the first), so the
    wait before the second attempt is ``base`` ± jitter; times are in seconds.
    ``max_attempts`` counts the first attempt too. A receiver's ``Retry-After`` replaces
    the computed delay, clamped to ``[min_retry_after, max_retry_after]``, without jitter.
    Retried failures: :data:`DURABLE_CLASSES`. The defaults are :meth:`durable`.
    """

    max_attempts: int = 12
    base: float = 5.0
    factor: float = 2.0
    cap: float = 3600.0
    jitter: float = 0.2
    min_retry_after: float = 1.0
    max_retry_after: float = 3600.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not math.isfinite(value):
                raise ValueError(f"{field.name} must be a finite number, got {value!r}")
        if self.max_attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.max_attempts}")
        if self.base < 0 or self.cap < 0:
            raise ValueError("base and cap must not be negative")
        if self.factor < 1:
            raise ValueError(f"factor must be at least 1, got {self.factor}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter}")
        if not 0 <= self.min_retry_after <= self.max_retry_after:
            raise ValueError("need 0 <= min_retry_after <= max_retry_after")

    @classmethod
    def twilio(cls) -> RetryPolicy:
        """Twilio's behaviour, per URL from its ``#rc``/``#rp`` (see :class:`TwilioRetryPolicy`)."""
        return TwilioRetryPolicy()

    @classmethod
    def durable(cls) -> RetryPolicy:
        """12 attempts, 5 s doubling to a 1 h cap, ±20 %: about 2.4 h from first to last."""
        return cls()

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        exponent = max(0, attempt - 1)
        try:
            nominal = min(self.cap, self.base * self.factor**exponent)
        except OverflowError:
            # A huge attempt number overflows the power long after it passed the cap.
            nominal = self.cap
        spread = self.jitter * (rng or _DEFAULT_RNG).uniform(-1.0, 1.0)
        return max(0.0, nominal * (1.0 + spread))

    def next_delay(
        self, attempt: int, retry_after: float | None, rng: random.Random | None = None
    ) -> float:
        """:meth:`delay`, unless the receiver sent a usable ``Retry-After`` (seconds)."""
        if retry_after is not None and math.isfinite(retry_after) and retry_after >= 0:
            return min(self.max_retry_after, max(self.min_retry_after, retry_after))
        return self.delay(attempt, rng)

    def decide(
        self,
        *,
        attempt: int,
        status: int | None,
        error_kind: ErrorKind | None = None,
        retry_after: float | None = None,
        overrides: ConnectionOverrides | None = None,
        rng: random.Random | None = None,
    ) -> RetryDecision:
        """After failed attempt ``attempt`` (1-based: every send counts, a re-send after a
        lost lease too) got ``status`` (None: no answer, ``error_kind`` says why) and the
        receiver's ``retry_after``: retry, and when. ``overrides``: the URL's ``#…``
        fragment, which this schedule does not read."""
        if attempt >= self.max_attempts:
            return RetryDecision.give_up("attempts used up")
        if not should_retry(status, error_kind, DURABLE_CLASSES):
            return RetryDecision.give_up("not retryable")
        usable = retry_after is not None and math.isfinite(retry_after) and retry_after >= 0
        delay = self.next_delay(attempt, retry_after, rng)
        return RetryDecision(True, delay, "retry-after" if usable else "scheduled")

    def retry_in(
        self,
        attempt: int,
        status: int | None,
        error_kind: ErrorKind | None,
        retry_after: float | None,
        overrides: ConnectionOverrides,
        rng: random.Random | None = None,
    ) -> float | None:
        """:meth:`decide`'s delay, positionally (None: give up)."""
        return self.decide(
            attempt=attempt,
            status=status,
            error_kind=error_kind,
            retry_after=retry_after,
            overrides=overrides,
            rng=rng,
        ).delay

    def nominal_delays(self) -> list[float]:
        """The waits between consecutive attempts, without jitter."""
        steady = replace(self, jitter=0.0)
        return [steady.delay(attempt) for attempt in range(1, self.max_attempts)]


@dataclass(frozen=True)
class TwilioRetryPolicy(RetryPolicy):
    """Twilio's own behaviour, decided per URL by its connection overrides: after a failed
    attempt ``n``, retry when the failure's class is in ``#rp`` (default ``ct``: connect
    failures only) and ``n < 1 + #rc`` (default ``rc=1``: one retry), ``base`` (1 s) later.
    ``Retry-After`` is not read. The fields are the schedule without a fragment."""

    max_attempts: int = 2
    base: float = 1.0
    factor: float = 1.0
    cap: float = 1.0
    jitter: float = 0.0
    min_retry_after: float = 1.0
    # Twilio's retries all fit in its 15 s total-time budget (``tt``), hence the bound.
    max_retry_after: float = 15.0

    def decide(
        self,
        *,
        attempt: int,
        status: int | None,
        error_kind: ErrorKind | None = None,
        retry_after: float | None = None,
        overrides: ConnectionOverrides | None = None,
        rng: random.Random | None = None,
    ) -> RetryDecision:
        fragment = overrides or ConnectionOverrides()
        if attempt >= 1 + fragment.retry_count:
            return RetryDecision.give_up("attempts used up")
        if not should_retry(status, error_kind, fragment.retry_policy):
            return RetryDecision.give_up("not retryable")
        return RetryDecision(True, self.delay(attempt, rng), "scheduled")


_KEYS = {
    "attempts": "max_attempts",
    "base": "base",
    "factor": "factor",
    "cap": "cap",
    "jitter": "jitter",
    "min_retry_after": "min_retry_after",
    "max_retry_after": "max_retry_after",
}
_DURATION_KEYS = {"base", "cap", "min_retry_after", "max_retry_after"}
_UNITS = (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0))


def _seconds(key: str, text: str) -> float:
    number, scale = text, 1.0
    if key in _DURATION_KEYS:
        for suffix, unit in _UNITS:
            if text.endswith(suffix):
                number, scale = text[: -len(suffix)], unit
                break
    try:
        value = float(number) * scale
    except ValueError:
        hint = " (seconds, or with a unit: 500ms, 30s, 10m, 1h)" if key in _DURATION_KEYS else ""
        raise ValueError(f"{key}={text!r} is not a number{hint}") from None
    if not math.isfinite(value):
        raise ValueError(f"{key}={text!r} is not a finite number")
    return value


def _build(values: dict[str, float]) -> RetryPolicy:
    d = RetryPolicy.durable()
    attempts = float(values.get("max_attempts", d.max_attempts))
    if not attempts.is_integer():
        raise ValueError(f"attempts={attempts:g} is not a whole number")
    return RetryPolicy(
        max_attempts=int(attempts),
        base=values.get("base", d.base),
        factor=values.get("factor", d.factor),
        cap=values.get("cap", d.cap),
        jitter=values.get("jitter", d.jitter),
        min_retry_after=values.get("min_retry_after", d.min_retry_after),
        max_retry_after=values.get("max_retry_after", d.max_retry_after),
    )


def parse(spec: str) -> RetryPolicy:
    """``twilio``, ``durable``, or ``key=value`` pairs over the :meth:`RetryPolicy.durable`
    values. Keys: attempts, base, factor, cap, jitter, min_retry_after, max_retry_after;
    durations are seconds or take ``ms``/``s``/``m``/``h``. Raises ValueError."""
    text = spec.strip().lower()
    if text == "twilio":
        return RetryPolicy.twilio()
    if text == "durable":
        return RetryPolicy.durable()
    if not text:
        raise ValueError("retry policy is empty: use 'twilio', 'durable' or 'attempts=…,…'")
    values: dict[str, float] = {}
    try:
        for item in text.split(","):
            key, sep, raw = (part.strip() for part in item.partition("="))
            if not sep or not key or not raw:
                raise ValueError(f"expected key=value, got {item.strip()!r}")
            if key not in _KEYS:
                raise ValueError(f"unknown key {key!r} (known: {', '.join(_KEYS)})")
            if _KEYS[key] in values:
                raise ValueError(f"{key} is given twice")
            values[_KEYS[key]] = _seconds(key, raw)
        return _build(values)
    except ValueError as exc:
        raise ValueError(f"invalid retry policy {spec!r}: {exc}") from None


def parse_retry_after(value: str, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date); None if unusable."""
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
        return max(0.0, seconds)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


#: Which ``rp`` class a transport failure (``OutboundResponse.error_kind``) falls under.
_KIND_CLASS = {"connect": "ct", "read": "rt", "total": "rt"}


def should_retry(
    status: int | None, error_kind: ErrorKind | None, policy_classes: frozenset[str]
) -> bool:
    """Whether this outcome is retryable under ``rp``-style classes.

    Classes: ``4xx``, ``5xx``, ``ct`` (connect failure or timeout), ``rt`` (read timeout,
    or a connection lost while waiting for the answer), ``all``, or an exact status such
    as ``429``. A total timeout (``total``) counts as ``rt``: by then the request went out
    and the answer was too slow. An egress refusal is never retried: it is our policy,
    not the receiver's state. A 2xx is success.
    """
    if status is not None:
        if 200 <= status < 300:
            return False
        if "all" in policy_classes or str(status) in policy_classes:
            return True
        if 400 <= status < 500:
            return "4xx" in policy_classes
        if 500 <= status < 600:
            return "5xx" in policy_classes
        return False
    if error_kind == "egress":
        return False
    if "all" in policy_classes:
        return True
    return _KIND_CLASS.get(error_kind or "") in policy_classes
