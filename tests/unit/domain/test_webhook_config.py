from __future__ import annotations

import pytest

from hookline.domain import services, webhook_config
from hookline.domain.accounts import Account
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.webhook_config import GLOBAL, ConfigUpdate
from hookline.exceptions import InvalidParameter


async def test_service_config_overrides_global_only_when_it_has_a_url(
    rt: Runtime, account: Account
) -> None:
    service = await services.create(rt, Actor(), account.sid, {"friendly_name": "other"})
    async with rt.store.transaction() as tx:
        await webhook_config.update(
            tx, account.sid, GLOBAL, ConfigUpdate(post_webhook_url="https://global.example/post")
        )
        # Filters alone do not make a service "configured".
        await webhook_config.update(
            tx, account.sid, service["sid"], ConfigUpdate(filters=["onMessageAdded"])
        )
        chosen = await webhook_config.effective(tx, account.sid, service["sid"])
        assert chosen["post_webhook_url"] == "https://global.example/post"
        await webhook_config.update(
            tx, account.sid, service["sid"],
            ConfigUpdate(post_webhook_url="https://service.example/post"),
        )  # fmt: skip
        chosen = await webhook_config.effective(tx, account.sid, service["sid"])
        assert chosen["post_webhook_url"] == "https://service.example/post"
        other = await webhook_config.effective(tx, account.sid, account.default_service_sid)
        assert other["post_webhook_url"] == "https://global.example/post"


async def test_empty_string_clears_a_url(rt: Runtime, account: Account) -> None:
    async with rt.store.transaction() as tx:
        await webhook_config.update(
            tx, account.sid, GLOBAL, ConfigUpdate(pre_webhook_url="https://e.example/pre")
        )
        record = await webhook_config.update(
            tx, account.sid, GLOBAL, ConfigUpdate(pre_webhook_url="")
        )
    assert record["pre_webhook_url"] is None


@pytest.mark.parametrize(
    "change",
    [
        ConfigUpdate(filters=["onMessageSent"]),
        ConfigUpdate(method="PATCH"),
        ConfigUpdate(post_webhook_url="example.com/x"),
        ConfigUpdate(target="studio"),
    ],
)
async def test_bad_updates_change_nothing(
    rt: Runtime, account: Account, change: ConfigUpdate
) -> None:
    with pytest.raises(InvalidParameter):
        async with rt.store.transaction() as tx:
            await webhook_config.update(tx, account.sid, GLOBAL, change)
    async with rt.store.read() as tx:
        assert await webhook_config.get(tx, account.sid) == webhook_config.empty(account.sid, "")


def test_all_23_event_names_are_accepted() -> None:
    from hookline.domain.events import ALL_EVENTS

    assert len(ALL_EVENTS) == 23
    assert webhook_config.check_filters(sorted(ALL_EVENTS)) == sorted(ALL_EVENTS)


async def test_empty_method_is_not_given_and_keeps_the_method(
    rt: Runtime, account: Account
) -> None:
    async with rt.store.transaction() as tx:
        await webhook_config.update(tx, account.sid, GLOBAL, ConfigUpdate(method="GET"))
        record = await webhook_config.update(tx, account.sid, GLOBAL, ConfigUpdate(method=""))
    assert record["method"] == "GET"
