from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hookline.clock import ManualClock
from hookline.domain import conversations, timers_runner
from hookline.domain.accounts import Account
from hookline.domain.events import RecordingSink
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.timers import parse_duration
from hookline.exceptions import InvalidParameter


def test_parse_duration() -> None:
    assert parse_duration("PT10M", "Timers.Closed") == timedelta(minutes=10)
    assert parse_duration("P1DT1H", "Timers.Inactive") == timedelta(days=1, hours=1)
    with pytest.raises(InvalidParameter):
        parse_duration("PT5M", "Timers.Closed")
    with pytest.raises(InvalidParameter):
        parse_duration("PT", "Timers.Inactive")


async def test_timers_move_state_and_emit(rt: Runtime, account: Account) -> None:
    conv = await conversations.create(
        rt, Actor.rest(False), account.sid, account.default_service_sid,
        {"timers_inactive": "PT1M", "timers_closed": "PT10M"},
    )  # fmt: skip
    assert set(conv["timers"]) == {"date_inactive", "date_closed"}
    assert isinstance(rt.clock, ManualClock) and isinstance(rt.sink, RecordingSink)
    assert await timers_runner.fire_due(rt) == 0
    rt.clock.advance(61)
    assert await timers_runner.fire_due(rt) == 1
    rt.clock.advance(600)
    assert await timers_runner.fire_due(rt) == 1
    moves = [(e.params["StateFrom"], e.params["StateTo"], e.params["Reason"])
             for e in rt.sink.events]  # fmt: skip
    assert moves == [("active", "inactive", "TIMER"), ("inactive", "closed", "TIMER")]
    async with rt.store.read() as tx:
        stored = await tx.get("conversation", sid=conv["sid"])
    assert stored is not None and stored["state"] == "closed" and stored["timers"] == {}


async def test_a_timer_that_would_end_after_year_9999_is_refused(
    rt: Runtime, account: Account
) -> None:
    assert isinstance(rt.clock, ManualClock)
    end = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    rt.clock.advance((end - rt.clock.now()).total_seconds())
    ids = (account.sid, account.default_service_sid)
    conv = await conversations.create(rt, Actor.rest(False), *ids, {"timers_inactive": "PT5M"})
    assert conv["timers"]["date_inactive"] == "9999-12-31T23:05:00Z"
    for fields in ({"timers_inactive": "PT1H"}, {"timers_closed": "P3650D"}):
        with pytest.raises(InvalidParameter, match="after 9999-12-31T23:59:59Z"):
            await conversations.create(rt, Actor.rest(False), *ids, fields)
