"""The manual clock stops at the last moment a four-digit year can show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hookline.clock import LATEST, ManualClock, iso, later


def test_the_clock_moves_up_to_the_last_moment_and_no_further() -> None:
    start = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    clock = ManualClock(start)
    assert clock.advance(3599) == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert iso(clock.advance(0.999999)) == "9999-12-31T23:59:59Z"
    with pytest.raises(ValueError):
        clock.advance(1)
    assert clock.now() == LATEST  # a refused move leaves the clock where it was


def test_a_move_datetime_itself_cannot_represent_is_refused_too() -> None:
    clock = ManualClock()
    with pytest.raises(ValueError):
        clock.advance(10**12 * 1.0)
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)


def test_later_adds_or_refuses() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert later(moment, timedelta(days=1)) == datetime(2026, 1, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="9999-12-31T23:59:59Z"):
        later(LATEST, timedelta(seconds=1))


# A day clear of datetime's ends: converting to UTC there can overflow (iso's caller, the
# manual clock, stops at LATEST; see the tests above).
_SPAN = {"min_value": datetime(1, 1, 2), "max_value": datetime(9999, 12, 30)}


@given(st.datetimes(**_SPAN, timezones=st.timezones()))
def test_iso_is_twilios_format_in_utc_for_any_moment(moment: datetime) -> None:
    utc = moment.astimezone(UTC)
    expected = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T" + utc.strftime("%H:%M:%SZ")
    assert iso(moment) == expected
    if utc.year >= 1000:
        assert iso(moment) == utc.strftime("%Y-%m-%dT%H:%M:%SZ")
