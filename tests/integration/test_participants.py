"""Participants, ParticipantConversations and ConversationWithParticipants via the SDK."""

from __future__ import annotations

import json
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.integration.events_support import (
    COMMON,
    delete_with_webhooks,
    emitted,
    hook_everything,
)
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess

SMS = {"messaging_binding_address": "+15550001", "messaging_binding_proxy_address": "+15550002"}
BINDING = {"MessagingBinding.Type"}
ON = "true"


def test_participant_crud_on_default_service(sdk: Any, server: ServerProcess) -> None:
    v1 = sdk.conversations.v1
    conv = v1.conversations.create(unique_name="room")
    members = v1.conversations("room").participants
    alice = members.create(identity="alice", attributes='{"a":1}')
    sms = members.create(**SMS)
    assert alice.sid.startswith("MB") and alice.conversation_sid == conv.sid
    assert alice.messaging_binding is None and alice.role_sid.startswith("RL")
    assert alice.url == f"{server.base_url}/v1/Conversations/{conv.sid}/Participants/{alice.sid}"
    assert sms.identity is None
    assert sms.messaging_binding == {
        "type": "sms", "address": "+15550001", "proxy_address": "+15550002",
    }  # fmt: skip
    assert v1.conversations(conv.sid).participants("alice").fetch().sid == alice.sid
    updated = (
        v1.conversations(conv.sid)
        .participants(alice.sid)
        .update(
            attributes="{}", last_read_message_index=4, last_read_timestamp="2026-02-01T10:00:00Z"
        )
    )
    assert (updated.attributes, updated.last_read_message_index) == ("{}", 4)
    assert updated.last_read_timestamp == "2026-02-01T10:00:00Z"
    assert [p.sid for p in members.list(page_size=1)] == [alice.sid, sms.sid]
    assert v1.conversations(conv.sid).participants(sms.sid).delete() is True
    assert [p.sid for p in members.list()] == [alice.sid]
    assert v1.users("alice").fetch().identity == "alice"  # created with the participant


def test_service_url_form(sdk: Any, server: ServerProcess) -> None:
    service = sdk.conversations.v1.services.create(friendly_name="support")
    conv = sdk.conversations.v1.services(service.sid).conversations.create()
    members = sdk.conversations.v1.services(service.sid).conversations(conv.sid).participants
    bob = members.create(identity="bob")
    assert bob.chat_service_sid == service.sid
    prefix = f"{server.base_url}/v1/Services/{service.sid}"
    assert bob.url == f"{prefix}/Conversations/{conv.sid}/Participants/{bob.sid}"
    assert [p.identity for p in members.list()] == ["bob"]
    user = sdk.conversations.v1.services(service.sid).users("bob").fetch()
    assert user.chat_service_sid == service.sid
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.conversations(conv.sid).participants.create(identity="x")
    assert (raised.value.status, raised.value.code) == (404, 20404)


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"identity": "alice"}, 409, 50433),
        ({"messaging_binding_address": "+15550001"}, 409, 50416),
        ({}, 400, 20001),
        ({"identity": "b", "messaging_binding_address": "+1"}, 400, 20001),
        ({"identity": "b", "attributes": "{oops"}, 400, 50001),
        ({"identity": "b", "role_sid": "RL" + "0" * 32}, 400, 50109),
        ({"identity": "b", "date_created": "not a date"}, 400, 20001),
    ],
)
def test_create_errors(sdk: Any, kwargs: dict[str, Any], status: int, code: int) -> None:
    conv = sdk.conversations.v1.conversations.create()
    members = sdk.conversations.v1.conversations(conv.sid).participants
    members.create(identity="alice")
    members.create(**SMS)
    with pytest.raises(TwilioRestException) as raised:
        members.create(**kwargs)
    assert (raised.value.status, raised.value.code) == (status, code)


def test_unknown_participant_and_bad_update(sdk: Any) -> None:
    conv = sdk.conversations.v1.conversations.create()
    members = sdk.conversations.v1.conversations(conv.sid)
    for ref in ("MB" + "0" * 32, "nobody"):
        with pytest.raises(TwilioRestException) as raised:
            members.participants(ref).fetch()
        assert (raised.value.status, raised.value.code) == (404, 20404)
    alice = members.participants.create(identity="alice")
    with pytest.raises(TwilioRestException) as raised:
        members.participants(alice.sid).update(messaging_binding_proxy_address="+1")
    assert (raised.value.status, raised.value.code) == (400, 50441)


def test_participant_events_carry_exactly_the_documented_parameters(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    names = ["onParticipantAdd", "onParticipantUpdate", "onParticipantRemove"]
    hook_everything(sdk, receiver, names)
    conv = sdk.conversations.v1.conversations.create()
    members = sdk.conversations.v1.conversations(conv.sid).participants
    sms = members.create(x_twilio_webhook_enabled=ON, **SMS)
    members(sms.sid).update(attributes='{"x":1}', x_twilio_webhook_enabled=ON)
    members(sms.sid).update(last_read_message_index=0, x_twilio_webhook_enabled=ON)
    delete_with_webhooks(server, f"/Conversations/{conv.sid}/Participants/{sms.sid}")
    base = COMMON | BINDING | {
        "ConversationSid", "RoleSid", "Attributes",
        "MessagingBinding.Address", "MessagingBinding.ProxyAddress",
    }  # fmt: skip
    known = {"ParticipantSid", "DateCreated"}
    pre = {name: receiver.wait_for(1, path="/pre", event=name)[0].params for name in names}
    assert set(pre["onParticipantAdd"]) == base
    assert set(pre["onParticipantUpdate"]) == base | known | {"DateUpdated"}
    assert set(pre["onParticipantRemove"]) == base | known | {"DateUpdated"}
    (added,) = emitted(server, "onParticipantAdded")
    assert set(added) == base | known
    assert added["MessagingBinding.Type"] == "SMS" and added["ParticipantSid"] == sms.sid
    first, read = emitted(server, "onParticipantUpdated")
    assert set(first) == base | known | {"DateUpdated"}
    assert set(read) == base | known | {"DateUpdated", "LastReadMessageIndex"}
    (removed,) = emitted(server, "onParticipantRemoved")
    assert set(removed) == base | known | {"DateUpdated", "DateRemoved"}


def test_rejected_pre_event_adds_nothing(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    hook_everything(sdk, receiver, ["onParticipantAdd"])
    receiver.respond("/pre", status=403)
    conv = sdk.conversations.v1.conversations.create()
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.conversations(conv.sid).participants.create(
            identity="carol", x_twilio_webhook_enabled=ON
        )
    assert (raised.value.status, raised.value.code) == (403, 50350)
    assert sdk.conversations.v1.conversations(conv.sid).participants.list() == []
    assert [u.identity for u in sdk.conversations.v1.users.list()] == []
    assert emitted(server, "onUserAdded") == []


def test_conversation_with_participants(sdk: Any, server: ServerProcess) -> None:
    created = sdk.conversations.v1.conversation_with_participants.create(
        friendly_name="intake",
        participant=[
            json.dumps({"identity": "alice"}),
            json.dumps({"messaging_binding": {"address": "+15550009", "proxy_address": "+1555"}}),
        ],
        x_twilio_webhook_enabled=ON,
    )
    assert created.sid.startswith("CH") and created.friendly_name == "intake"
    assert created.links["participants"].endswith(f"/v1/Conversations/{created.sid}/Participants")
    listed = sdk.conversations.v1.conversations(created.sid).participants.list()
    assert [p.identity for p in listed] == ["alice", None]
    assert len(emitted(server, "onConversationAdded")) == 1
    assert len(emitted(server, "onParticipantAdded")) == 2
    assert len(emitted(server, "onUserAdded")) == 1
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.conversation_with_participants.create(participant=["{nope"])
    assert (raised.value.status, raised.value.code) == (400, 20001)


def test_participant_conversations(sdk: Any, server: ServerProcess) -> None:
    v1 = sdk.conversations.v1
    first = v1.conversations.create(unique_name="one", friendly_name="One")
    second = v1.conversations.create(unique_name="two")
    for conv in (first, second):
        v1.conversations(conv.sid).participants.create(identity="alice")
    v1.conversations(second.sid).participants.create(**SMS)
    mine = v1.participant_conversations.list(identity="alice", page_size=1)
    assert [c.conversation_sid for c in mine] == [first.sid, second.sid]
    assert mine[0].conversation_friendly_name == "One" and mine[0].conversation_state == "active"
    assert mine[0].participant_user_sid == v1.users("alice").fetch().sid
    (by_address,) = v1.participant_conversations.list(address="+15550001")
    assert by_address.conversation_unique_name == "two"
    assert by_address.participant_messaging_binding["proxy_address"] == "+15550002"
    assert by_address.links["conversation"] == f"{server.base_url}/v1/Conversations/{second.sid}"
