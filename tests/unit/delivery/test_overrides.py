from __future__ import annotations

import dataclasses

import pytest

from hookline.delivery.overrides import ConnectionOverrides, parse_fragment, parse_url


def test_no_fragment_gives_twilio_defaults_and_the_url_unchanged() -> None:
    url, overrides = parse_url("https://example.com/hook?x=1")
    assert url == "https://example.com/hook?x=1"
    assert overrides == ConnectionOverrides(
        connect_timeout_ms=5000,
        read_timeout_ms=15000,
        total_timeout_ms=15000,
        retry_count=1,
        retry_policy=frozenset({"ct"}),
        edge=None,
    )


def test_every_key_is_read_and_the_fragment_removed() -> None:
    url, overrides = parse_url(
        "https://example.com:8443/hook?x=1#ct=1000&rt=3000&tt=12000&rc=3&rp=ct,rt,5xx&e=dublin"
    )
    assert url == "https://example.com:8443/hook?x=1"
    assert overrides.connect_timeout_ms == 1000
    assert overrides.read_timeout_ms == 3000
    assert overrides.total_timeout_ms == 12000
    assert overrides.retry_count == 3
    assert overrides.retry_policy == frozenset({"ct", "rt", "5xx"})
    assert overrides.edge == "dublin"


@pytest.mark.parametrize(
    ("fragment", "field", "expected"),
    [
        ("ct=5", "connect_timeout_ms", 100),
        ("ct=999999", "connect_timeout_ms", 10000),
        ("rt=0", "read_timeout_ms", 100),
        ("rt=20000", "read_timeout_ms", 15000),
        ("tt=-4", "total_timeout_ms", 100),
        ("tt=60000", "total_timeout_ms", 15000),
        ("rc=9", "retry_count", 5),
        ("rc=-1", "retry_count", 0),
        ("rc=0", "retry_count", 0),
        ("rc=5", "retry_count", 5),
    ],
)
def test_out_of_range_numbers_are_clamped(fragment: str, field: str, expected: int) -> None:
    assert getattr(parse_fragment(fragment), field) == expected


@pytest.mark.parametrize(
    ("fragment", "field", "expected"),
    [
        ("ct=abc", "connect_timeout_ms", 5000),
        ("ct=", "connect_timeout_ms", 5000),
        ("rt=1.5", "read_timeout_ms", 15000),
        ("rc=many", "retry_count", 1),
        ("rp=bogus", "retry_policy", frozenset({"ct"})),
        ("rp=", "retry_policy", frozenset({"ct"})),
        ("rp=5XX, bogus ,rt", "retry_policy", frozenset({"5xx", "rt"})),
        ("rp=all", "retry_policy", frozenset({"all"})),
        ("rp=4xx,5xx", "retry_policy", frozenset({"4xx", "5xx"})),
    ],
)
def test_unreadable_values_fall_back_to_defaults(
    fragment: str, field: str, expected: object
) -> None:
    assert getattr(parse_fragment(fragment), field) == expected


def test_unknown_keys_and_non_override_fragments_are_ignored() -> None:
    assert parse_fragment("sni=unique&foo=bar&rc=2").retry_count == 2
    assert parse_fragment("/spa/route") == ConnectionOverrides()
    url, overrides = parse_url("https://example.com/app#/inbox")
    assert url == "https://example.com/app"
    assert overrides == ConnectionOverrides()


def test_leading_hash_is_accepted_and_last_repeat_wins() -> None:
    assert parse_fragment("#rc=2&rc=4").retry_count == 4


def test_empty_fragment_is_removed() -> None:
    url, overrides = parse_url("https://example.com/hook#")
    assert (url, overrides) == ("https://example.com/hook", ConnectionOverrides())


def test_overrides_are_immutable() -> None:
    overrides = parse_fragment("rc=2")
    with pytest.raises(dataclasses.FrozenInstanceError):
        overrides.retry_count = 3  # type: ignore[misc]
