from __future__ import annotations

import pytest

from hookline.domain import address_configurations, inbound
from hookline.domain.accounts import Account
from hookline.domain.address_configurations import AddressFields
from hookline.domain.inbound import InboundMessage
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import InvalidParameter, NotFound


def test_addresses_and_source() -> None:
    assert inbound.addresses(InboundMessage("+1555", "+1666")) == ("+1555", "+1666", "SMS")
    assert inbound.addresses(InboundMessage("whatsapp:+1555", "+1666")) == (
        "whatsapp:+1555", "whatsapp:+1666", "WHATSAPP",
    )  # fmt: skip
    for sender, to in (("", "+1"), ("+1", None), ("+1555", "whatsapp:+1666")):
        with pytest.raises(InvalidParameter):
            inbound.addresses(InboundMessage(sender, to))


async def test_auto_creation_in_the_default_service(rt: Runtime, account: Account) -> None:
    fields = AddressFields(type="sms", address="+1666", enabled="true")
    await address_configurations.create(rt, Actor(), account.sid, fields)
    message = InboundMessage("+1555", "+1666", "hi")
    first = await inbound.receive(rt, account.sid, account.default_service_sid, message)
    assert first.created and first.conversation["chat_service_sid"] == account.default_service_sid
    assert first.participant["messaging_binding"]["proxy_address"] == "+1666"
    names = [event.name for event in rt.sink.events]  # type: ignore[attr-defined]
    assert names == [
        "onConversationAdd", "onConversationAdded", "onParticipantAdd", "onParticipantAdded",
        "onMessageAdd", "onMessageAdded",
    ]  # fmt: skip
    assert {event.source for event in rt.sink.events} == {"SMS"}  # type: ignore[attr-defined]
    second = await inbound.receive(rt, account.sid, account.default_service_sid, message)
    assert not second.created and second.conversation["sid"] == first.conversation["sid"]
    with pytest.raises(NotFound):
        await inbound.receive(
            rt, account.sid, account.default_service_sid, InboundMessage("+1555", "+1777", "x")
        )


async def test_a_lost_creation_race_joins_the_winner(rt: Runtime, account: Account) -> None:
    """Two first messages from one phone both found no conversation: the later creation
    is dropped (silently) and its message joins the earlier one's conversation."""
    fields = AddressFields(type="sms", address="+1666", enabled="true")
    config = await address_configurations.create(rt, Actor(), account.sid, fields)
    message = InboundMessage("+1555", "+1666", "first")
    first = await inbound.receive(rt, account.sid, account.default_service_sid, message)
    sms = Actor(source="SMS", client_identity="+1555", webhooks=True)
    joined, created = await inbound._auto_create(
        rt, sms, account.sid, account.default_service_sid, "+1666",
        config["auto_creation"], {"body": "second"},
    )  # fmt: skip
    assert (joined["sid"], created) == (first.participant["sid"], False)
    async with rt.store.read() as tx:
        assert await tx.count("conversation", account_sid=account.sid) == 1
