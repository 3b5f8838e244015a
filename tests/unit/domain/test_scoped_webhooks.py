from __future__ import annotations

import pytest

from hookline.domain import conversations, messages, scoped_webhooks
from hookline.domain.accounts import Account
from hookline.domain.events import RecordingSink
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.scoped_webhooks import WebhookFields
from hookline.exceptions import HooklineError

QUIET = Actor.rest(False)


async def _conv(rt: Runtime, account: Account) -> str:
    conv = await conversations.create(rt, QUIET, account.sid, account.default_service_sid, {})
    return str(conv["sid"])


def hook(**kwargs: object) -> WebhookFields:
    base: dict[str, object] = {
        "target": "webhook", "url": "https://e.example/h", "filters": ["onMessageAdded"],
    }  # fmt: skip
    return WebhookFields(**(base | kwargs))  # type: ignore[arg-type]


async def test_sixth_webhook_is_refused(rt: Runtime, account: Account) -> None:
    conv = await _conv(rt, account)
    for _ in range(5):
        await scoped_webhooks.create(
            rt, Actor(), account.sid, account.default_service_sid, conv, hook()
        )
    with pytest.raises(HooklineError) as raised:
        await scoped_webhooks.create(
            rt, Actor(), account.sid, account.default_service_sid, conv, hook()
        )
    assert raised.value.code == 50361


async def test_replay_after_queues_existing_messages_in_index_order(
    rt: Runtime, account: Account
) -> None:
    conv = await _conv(rt, account)
    ids = (account.sid, account.default_service_sid, conv)
    for n in range(4):
        await messages.create(rt, QUIET, *ids, {"body": f"m{n}"})
    assert isinstance(rt.sink, RecordingSink)
    assert rt.sink.events == []
    webhook = await scoped_webhooks.create(rt, Actor(), *ids, hook(replay_after="2"))
    replayed = rt.sink.events
    assert [e.params["Index"] for e in replayed] == ["2", "3"]
    assert {e.only_webhook_sid for e in replayed} == {webhook["sid"]}
    assert {e.name for e in replayed} == {"onMessageAdded"}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (WebhookFields(), 50368),
        (hook(target="email"), 50364),
        (hook(url=None), 50369),
        (hook(filters=None), 50370),
        (hook(filters=["onConversationAdded"]), 50365),
        (hook(target="trigger", triggers=None), 50371),
        (hook(target="trigger", triggers=[""]), 50366),
        (hook(target="studio", flow_sid="FWxyz"), 50367),
        (hook(replay_after="-1"), 20001),
    ],
)
async def test_validation_codes(
    rt: Runtime, account: Account, fields: WebhookFields, code: int
) -> None:
    conv = await _conv(rt, account)
    with pytest.raises(HooklineError) as raised:
        await scoped_webhooks.create(
            rt, Actor(), account.sid, account.default_service_sid, conv, fields
        )
    assert raised.value.code == code
