from __future__ import annotations

import pytest

from hookline.clock import ManualClock
from hookline.domain import configuration, conversations, services, timers_runner
from hookline.domain.accounts import Account
from hookline.domain.events import RecordingSink
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import InvalidParameter

API = Actor()


async def test_defaults_read_as_twilios_until_set(rt: Runtime, account: Account) -> None:
    record = await configuration.get(rt, account.sid)
    assert record == {
        "account_sid": account.sid,
        "default_chat_service_sid": account.default_service_sid,
        "default_messaging_service_sid": "MG" + account.sid[2:],
        "default_inactive_timer": None,
        "default_closed_timer": None,
    }


async def test_timers_are_kept_as_given_and_an_empty_one_clears(
    rt: Runtime, account: Account
) -> None:
    fields = {"default_inactive_timer": "PT5M", "default_closed_timer": "P1D"}
    record = await configuration.update(rt, API, account.sid, fields)
    assert (record["default_inactive_timer"], record["default_closed_timer"]) == ("PT5M", "P1D")
    record = await configuration.update(rt, API, account.sid, {"default_inactive_timer": ""})
    assert (record["default_inactive_timer"], record["default_closed_timer"]) == (None, "P1D")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"default_inactive_timer": "PT59S"}, 50375),
        ({"default_closed_timer": "PT9M59S"}, 50376),
        ({"default_inactive_timer": "soon"}, 50379),
        ({"default_closed_timer": "P1M"}, 50380),
        ({"default_chat_service_sid": "IS" + "1" * 32}, 20001),
        ({"default_chat_service_sid": "nope"}, 20001),
        ({"default_messaging_service_sid": "IS" + "1" * 32}, 20001),
    ],
)
async def test_bad_values_change_nothing(
    rt: Runtime, account: Account, fields: dict[str, str], code: int
) -> None:
    with pytest.raises(InvalidParameter) as caught:
        await configuration.update(rt, API, account.sid, {"default_closed_timer": "P2D"} | fields)
    assert caught.value.code == code
    assert (await configuration.get(rt, account.sid))["default_closed_timer"] is None


async def test_a_new_default_service_moves_the_accounts_column(
    rt: Runtime, account: Account
) -> None:
    service = await services.create(rt, API, account.sid, {"friendly_name": "next"})
    fields = {"default_chat_service_sid": service["sid"]}
    record = await configuration.update(rt, API, account.sid, fields)
    assert record["default_chat_service_sid"] == service["sid"]
    async with rt.store.read() as tx:
        row = await tx.account(account.sid)
    assert row is not None and row.default_service_sid == service["sid"]


async def test_new_conversations_take_the_default_timers_and_messaging_service(
    rt: Runtime, account: Account
) -> None:
    ids = (account.sid, account.default_service_sid)
    before = await conversations.create(rt, API, *ids, {})
    await configuration.update(
        rt,
        API,
        account.sid,
        {"default_inactive_timer": "PT1M", "default_messaging_service_sid": "MG" + "b" * 32},
    )
    after = await conversations.create(rt, API, *ids, {})
    own = await conversations.create(rt, API, *ids, {"timers_inactive": "PT1H"})
    closed = await conversations.create(rt, API, *ids, {"state": "closed"})
    assert before["timers"] == {} and closed["timers"] == {}
    assert set(after["timers"]) == {"date_inactive"}
    assert own["timers"]["date_inactive"] > after["timers"]["date_inactive"]
    assert after["messaging_service_sid"] == "MG" + "b" * 32

    assert isinstance(rt.clock, ManualClock) and isinstance(rt.sink, RecordingSink)
    rt.clock.advance(61)
    assert await timers_runner.fire_due(rt) == 1
    fired = [e for e in rt.sink.events if e.name == "onConversationStateUpdated"]
    assert [(e.params["ConversationSid"], e.params["Reason"]) for e in fired] == [
        (after["sid"], "TIMER")
    ]
