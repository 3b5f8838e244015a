from __future__ import annotations

import dataclasses
import math
import random
from email.utils import formatdate

import pytest

from hookline.delivery.engine import retry_policy
from hookline.delivery.overrides import DEFAULTS, parse_fragment
from hookline.delivery.retry import (
    RetryDecision,
    RetryPolicy,
    TwilioRetryPolicy,
    parse,
    parse_retry_after,
    should_retry,
)


def test_delay_follows_the_documented_formula_without_jitter() -> None:
    policy = RetryPolicy(max_attempts=6, base=2.0, factor=3.0, cap=100.0, jitter=0.0)
    assert [policy.delay(n) for n in range(1, 7)] == [2.0, 6.0, 18.0, 54.0, 100.0, 100.0]


def test_jitter_stays_within_its_band_and_varies() -> None:
    policy = RetryPolicy(base=10.0, factor=2.0, cap=1000.0, jitter=0.2)
    rng = random.Random(42)
    delays = [policy.delay(3, rng) for _ in range(500)]
    assert all(32.0 <= d <= 48.0 for d in delays)
    assert max(delays) - min(delays) > 10.0
    assert min(delays) < 36.0 and max(delays) > 44.0


def test_same_seed_gives_same_delays() -> None:
    policy = RetryPolicy.durable()
    first = [policy.delay(n, random.Random(7)) for n in range(1, 12)]
    second = [policy.delay(n, random.Random(7)) for n in range(1, 12)]
    assert first == second


def test_huge_attempt_numbers_stay_at_the_cap() -> None:
    policy = RetryPolicy(base=5.0, factor=2.0, cap=3600.0, jitter=0.0)
    assert policy.delay(5000) == 3600.0


def test_durable_retries_for_hours() -> None:
    policy = RetryPolicy.durable()
    assert (policy.max_attempts, policy.base, policy.factor, policy.cap, policy.jitter) == (
        12,
        5.0,
        2.0,
        3600.0,
        0.2,
    )
    delays = policy.nominal_delays()
    assert len(delays) == 11
    assert delays[:3] == [5.0, 10.0, 20.0]
    assert delays[-1] == 3600.0
    assert 2 * 3600 < sum(delays) < 3 * 3600


def test_twilio_policy_is_one_quick_retry() -> None:
    policy = RetryPolicy.twilio()
    assert policy.max_attempts == 2
    assert policy.nominal_delays() == [1.0]
    assert policy.delay(1, random.Random(1)) == 1.0


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [(30.0, 30.0), (0.0, 1.0), (0.5, 1.0), (99999.0, 600.0), (600.0, 600.0)],
)
def test_retry_after_is_honoured_within_bounds(retry_after: float, expected: float) -> None:
    policy = RetryPolicy(jitter=0.5, min_retry_after=1.0, max_retry_after=600.0)
    assert policy.next_delay(1, retry_after, random.Random(0)) == expected


@pytest.mark.parametrize("retry_after", [None, -1.0, math.nan, math.inf])
def test_unusable_retry_after_falls_back_to_the_schedule(retry_after: float | None) -> None:
    policy = RetryPolicy(base=7.0, factor=2.0, cap=100.0, jitter=0.0)
    assert policy.next_delay(2, retry_after, random.Random(0)) == 14.0


def test_parse_named_policies() -> None:
    assert parse("twilio") == RetryPolicy.twilio()
    assert parse(" Durable ") == RetryPolicy.durable()


def test_parse_custom_spec() -> None:
    policy = parse("attempts=8,base=2,factor=2,cap=600,jitter=0.1")
    assert policy == RetryPolicy(max_attempts=8, base=2.0, factor=2.0, cap=600.0, jitter=0.1)


def test_parse_units_and_defaults_for_missing_keys() -> None:
    policy = parse("base=500ms, cap=2h, max_retry_after=10m")
    assert policy.base == 0.5
    assert policy.cap == 7200.0
    assert policy.max_retry_after == 600.0
    assert policy.max_attempts == RetryPolicy.durable().max_attempts


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("forever", "expected key=value"),
        ("attempts=", "expected key=value"),
        ("speed=3", "unknown key 'speed'"),
        ("attempts=2.5", "whole number"),
        ("attempts=0", "at least 1"),
        ("base=abc", "not a number"),
        ("base=5d", "not a number"),
        ("jitter=1.5", "between 0 and 1"),
        ("factor=0.5", "factor must be at least 1"),
        ("cap=inf", "finite"),
        ("base=-1", "negative"),
        ("attempts=3,attempts=4", "given twice"),
        ("min_retry_after=10,max_retry_after=5", "min_retry_after"),
    ],
)
def test_parse_rejects_bad_specs_clearly(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(spec)


def test_policy_is_an_immutable_value() -> None:
    policy = RetryPolicy.durable()
    assert policy == RetryPolicy.durable()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.base = 1.0  # type: ignore[misc]


def test_parse_retry_after_seconds_and_dates() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(formatdate(now + 90, usegmt=True), now=now) == 90.0
    assert parse_retry_after(formatdate(now - 90, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None
    assert parse_retry_after("") is None


TWILIO_DEFAULT = frozenset({"ct"})


@pytest.mark.parametrize(
    ("status", "kind", "classes", "expected"),
    [
        (200, None, frozenset({"all"}), False),
        (204, None, frozenset({"all"}), False),
        (None, "connect", TWILIO_DEFAULT, True),
        (None, "read", TWILIO_DEFAULT, False),
        (None, "total", TWILIO_DEFAULT, False),
        (500, None, TWILIO_DEFAULT, False),
        (None, "read", frozenset({"rt"}), True),
        (None, "total", frozenset({"rt"}), True),
        (None, "connect", frozenset({"rt"}), False),
        (503, None, frozenset({"5xx"}), True),
        (404, None, frozenset({"5xx"}), False),
        (404, None, frozenset({"4xx"}), True),
        (429, None, frozenset({"5xx", "429"}), True),
        (408, None, frozenset({"5xx", "429"}), False),
        (302, None, frozenset({"4xx", "5xx"}), False),
        (302, None, frozenset({"all"}), True),
        (None, "other", frozenset({"ct", "rt"}), False),
        (None, "other", frozenset({"all"}), True),
        (None, "egress", frozenset({"all"}), False),
        (None, None, frozenset({"ct", "rt"}), False),
    ],
)
def test_should_retry(
    status: int | None, kind: str | None, classes: frozenset[str], expected: bool
) -> None:
    assert should_retry(status, kind, classes) is expected


def test_the_twilio_policy_follows_each_urls_fragment() -> None:
    policy = retry_policy("twilio")
    assert isinstance(policy, TwilioRetryPolicy) and policy == parse(" Twilio ")
    rng = random.Random(0)
    # No fragment: rc=1, rp=ct: a refused connection once more, 1 s later; a 5xx never.
    assert policy.retry_in(1, None, "connect", None, DEFAULTS, rng) == 1.0
    assert policy.retry_in(2, None, "connect", None, DEFAULTS, rng) is None
    assert policy.retry_in(1, 500, None, None, DEFAULTS, rng) is None
    # #rc=3&rp=5xx: three retries of a 5xx, each 1 s; a Retry-After is not Twilio's to read.
    fragment = parse_fragment("rc=3&rp=5xx")
    assert [policy.retry_in(n, 503, None, 30.0, fragment, rng) for n in (1, 2, 3, 4)] == [
        1.0,
        1.0,
        1.0,
        None,
    ]
    assert policy.retry_in(1, None, "connect", None, fragment, rng) is None
    assert policy.retry_in(1, None, "connect", None, parse_fragment("rc=0"), rng) is None


def test_a_schedule_of_our_own_ignores_the_fragment() -> None:
    policy = RetryPolicy(max_attempts=3, base=5.0, factor=2.0, jitter=0.0)
    rng = random.Random(0)
    asks_none = parse_fragment("rc=0&rp=4xx")
    assert policy.retry_in(1, 503, None, None, asks_none, rng) == 5.0
    assert policy.retry_in(2, None, "read", None, DEFAULTS, rng) == 10.0
    assert policy.retry_in(3, 503, None, None, DEFAULTS, rng) is None, "attempts used up"
    assert policy.retry_in(1, 429, None, 42.0, DEFAULTS, rng) == 42.0, "Retry-After wins"
    assert policy.retry_in(1, 404, None, None, DEFAULTS, rng) is None, "a 4xx is final"
    assert policy.retry_in(1, None, "egress", None, DEFAULTS, rng) is None


def test_decide_takes_keywords_and_says_why() -> None:
    policy = RetryPolicy(max_attempts=3, base=5, factor=2, jitter=0)
    assert policy.decide(attempt=1, status=503) == RetryDecision(True, 5.0, "scheduled")
    assert policy.decide(attempt=1, status=429, retry_after=42.0) == RetryDecision(
        True, 42.0, "retry-after"
    )
    assert policy.decide(attempt=3, status=503) == RetryDecision(False, None, "attempts used up")
    assert policy.decide(attempt=1, status=404).reason == "not retryable"
    twilio = RetryPolicy.twilio()
    assert twilio.decide(attempt=1, status=None, error_kind="connect").retry
    assert twilio.decide(attempt=2, status=None, error_kind="connect").reason == "attempts used up"
    with pytest.raises(TypeError):
        policy.decide(1, 503)  # type: ignore[misc]
