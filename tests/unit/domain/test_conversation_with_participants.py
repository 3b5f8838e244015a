from __future__ import annotations

import json

import pytest

from hookline.domain import conversation_with_participants as cwp
from hookline.domain.accounts import Account
from hookline.domain.events import RecordingSink
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import Conflict, InvalidParameter

API = Actor.rest(True)
SMS = {"messaging_binding": {"address": "+1555", "proxy_address": "+1666"}}


async def _create(rt: Runtime, account: Account, *people: object, **fields: str) -> dict[str, str]:
    raw = [json.dumps(p) for p in people]
    return await cwp.create(
        rt, API, account.sid, account.default_service_sid, cwp.NewConversation(fields, raw)
    )


async def test_one_transaction_with_every_event(rt: Runtime, account: Account) -> None:
    conv = await _create(rt, account, {"identity": "alice", "attributes": {"vip": True}}, SMS)
    assert isinstance(rt.sink, RecordingSink)
    assert [e.name for e in rt.sink.events] == [
        "onConversationAdd", "onParticipantAdd", "onParticipantAdd",
        "onConversationAdded", "onUserAdded", "onParticipantAdded", "onParticipantAdded",
    ]  # fmt: skip
    added = [e.params for e in rt.sink.events if e.name == "onParticipantAdded"]
    assert added[0]["Identity"] == "alice" and added[0]["Attributes"] == '{"vip": true}'
    assert added[1]["MessagingBinding.Address"] == "+1555"
    async with rt.store.read() as tx:
        assert await tx.count("participant", conversation_sid=conv["sid"]) == 2


async def test_repeated_identity_rolls_everything_back(rt: Runtime, account: Account) -> None:
    with pytest.raises(Conflict) as raised:
        await _create(rt, account, {"identity": "a"}, {"identity": "a"}, unique_name="u")
    assert raised.value.code == 50433
    async with rt.store.read() as tx:
        assert await tx.count("conversation", unique_name="u") == 0
        assert await tx.count("user", identity="a") == 0


async def test_unique_name_clash(rt: Runtime, account: Account) -> None:
    await _create(rt, account, unique_name="u")
    with pytest.raises(Conflict) as raised:
        await _create(rt, account, {"identity": "a"}, unique_name="u")
    assert raised.value.code == 50353


@pytest.mark.parametrize(
    "raw",
    [
        ["not json"],
        ["[1]"],
        ['{"identity": 5}'],
        ['{"nickname": "a"}'],
        ['{"messaging_binding": "+1555"}'],
        ['{"messaging_binding": {"adress": "+1"}}'],
        ["{}"],
        [json.dumps({"identity": f"u{n}"}) for n in range(11)],
    ],
)
async def test_bad_participant_values(rt: Runtime, account: Account, raw: list[str]) -> None:
    with pytest.raises(InvalidParameter):
        await cwp.create(
            rt, API, account.sid, account.default_service_sid, cwp.NewConversation({}, raw)
        )
    async with rt.store.read() as tx:
        assert await tx.count("conversation", account_sid=account.sid) == 0
