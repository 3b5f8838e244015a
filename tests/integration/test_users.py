"""Users and UserConversations via the official twilio SDK."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.integration.events_support import COMMON, emitted, hook_everything
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess

ON = "true"
USER = {"ChatServiceSid", "UserSid", "Identity", "RoleSid", "Attributes", "FriendlyName"}


def test_user_crud_on_both_url_forms(sdk: Any, server: ServerProcess) -> None:
    v1 = sdk.conversations.v1
    alice = v1.users.create(identity="alice", friendly_name="Alice", attributes='{"t":1}')
    assert alice.sid.startswith("US") and alice.role_sid.startswith("RL")
    assert (alice.is_online, alice.is_notifiable) == (None, None)
    assert alice.url == f"{server.base_url}/v1/Users/{alice.sid}"
    assert alice.links == {"user_conversations": f"{alice.url}/Conversations"}
    assert v1.users("alice").fetch().sid == alice.sid
    v1.users.create(identity="bob")
    assert [u.identity for u in v1.users.list(page_size=1)] == ["alice", "bob"]
    changed = v1.users(alice.sid).update(friendly_name="A", attributes="{}")
    assert (changed.friendly_name, changed.attributes) == ("A", "{}")
    assert v1.users("bob").delete() is True
    assert [u.identity for u in v1.users.list()] == ["alice"]

    service = v1.services.create(friendly_name="other")
    zed = v1.services(service.sid).users.create(identity="alice")  # identities are per service
    assert zed.chat_service_sid == service.sid
    assert zed.url == f"{server.base_url}/v1/Services/{service.sid}/Users/{zed.sid}"
    assert [u.sid for u in v1.services(service.sid).users.list()] == [zed.sid]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"identity": "alice"}, 409, 50201),
        ({"identity": ""}, 400, 20001),
        ({"identity": "x", "attributes": "{"}, 400, 50001),
        ({"identity": "x", "role_sid": "RL" + "1" * 32}, 400, 50100),
    ],
)
def test_user_errors(sdk: Any, kwargs: dict[str, Any], status: int, code: int) -> None:
    sdk.conversations.v1.users.create(identity="alice")
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.users.create(**kwargs)
    assert (raised.value.status, raised.value.code) == (status, code)


def test_unknown_users_are_404(sdk: Any) -> None:
    for ref in ("US" + "0" * 32, "nobody"):
        with pytest.raises(TwilioRestException) as raised:
            sdk.conversations.v1.users(ref).fetch()
        assert (raised.value.status, raised.value.code) == (404, 20404)
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.services("IS" + "0" * 32).users.create(identity="a")
    assert (raised.value.status, raised.value.code) == (404, 20404)


def test_user_events_carry_exactly_the_documented_parameters(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    hook_everything(sdk, receiver, ["onUserUpdate"])
    bare = sdk.conversations.v1.users.create(identity="bare", x_twilio_webhook_enabled=ON)
    alice = sdk.conversations.v1.users.create(
        identity="alice", friendly_name="Alice", x_twilio_webhook_enabled=ON
    )
    sdk.conversations.v1.users(alice.sid).update(friendly_name="A", x_twilio_webhook_enabled=ON)
    unnamed, added = emitted(server, "onUserAdded")
    assert set(added) == COMMON | USER | {"DateCreated"}
    assert added["UserSid"] == alice.sid
    # hookline leaves null optional parameters out (docs/twilio-behaviour.md #10).
    assert set(unnamed) == set(added) - {"FriendlyName"} and unnamed["UserSid"] == bare.sid
    pre = receiver.wait_for(1, path="/pre", event="onUserUpdate")[0].params
    assert set(pre) == COMMON | USER | {"DateUpdated"}
    (updated,) = emitted(server, "onUserUpdated")
    assert set(updated) == COMMON | USER | {
        "DateCreated", "DateUpdated", "isOnline", "isNotifiable",
    }  # fmt: skip
    assert (updated["isOnline"], updated["FriendlyName"]) == ("false", "A")


def test_user_conversations(sdk: Any, server: ServerProcess) -> None:
    v1 = sdk.conversations.v1
    room = v1.conversations.create(unique_name="room", friendly_name="Room")
    other = v1.conversations.create()
    for conv in (room, other):
        v1.conversations(conv.sid).participants.create(identity="alice")
    for body in ("a", "b", "c"):
        v1.conversations(room.sid).messages.create(body=body)
    user = v1.users("alice").fetch()
    listed = v1.users(user.sid).user_conversations.list(page_size=1)
    assert [c.conversation_sid for c in listed] == [room.sid, other.sid]
    first = listed[0]
    assert (first.friendly_name, first.conversation_state, first.user_sid) == (
        "Room", "active", user.sid,
    )  # fmt: skip
    assert first.unread_messages_count is None and first.notification_level == "default"
    assert first.url == f"{server.base_url}/v1/Users/{user.sid}/Conversations/{room.sid}"
    mine = v1.users("alice").user_conversations("room")
    changed = mine.update(notification_level="muted", last_read_message_index=1)
    assert (changed.notification_level, changed.unread_messages_count) == ("muted", 1)
    assert mine.fetch().last_read_message_index == 1
    assert mine.delete() is True
    assert [p.identity for p in v1.conversations(room.sid).participants.list()] == []
    with pytest.raises(TwilioRestException) as raised:
        mine.fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)
    with pytest.raises(TwilioRestException) as raised:
        v1.users("alice").user_conversations(other.sid).update(notification_level="loud")
    assert (raised.value.status, raised.value.code) == (400, 20001)
