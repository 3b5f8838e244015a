"""The account's and a service's Conversations configuration, through the official SDK with
every response checked exactly against Twilio's spec, and the effects each setting has:

- ``/v1/Configuration``: default timers on conversations created afterwards (their state
  changes fire ``onConversationStateUpdated`` with ``Reason=TIMER``), the default service
  the short URLs act on, the default Messaging Service; Twilio's codes for bad timers;
- ``/v1/Services/{IS}/Configuration``: default roles of participants and users created
  afterwards, ``ReachabilityEnabled``; 50100 / 50105 for unknown or wrong-type roles;
- ``/v1/Services/{IS}/Configuration/Notifications``: stored and returned as documented.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from tests.support.control import call
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, start_server
from tests.support.strict import StrictSdk, hookline_cli, refused

BACKENDS = pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def manual_server(tmp_path: Path) -> Iterator[ServerProcess]:
    server = start_server(tmp_path, None, "--manual-clock")
    yield server
    server.stop()


def test_default_timers_apply_to_conversations_created_afterwards(
    manual_server: ServerProcess, receiver: Receiver
) -> None:
    strict = StrictSdk(manual_server)
    sdk = strict.sdk
    conversations = sdk.conversations.v1
    conversations.configuration.webhooks().update(
        post_webhook_url=receiver.base + "/post", filters=["onConversationStateUpdated"]
    )
    initial = conversations.configuration().fetch()
    assert (initial.default_inactive_timer, initial.default_closed_timer) == (None, None)
    before = conversations.conversations.create(friendly_name="before the defaults")
    assert before.timers == {}

    updated = conversations.configuration().update(
        default_inactive_timer="PT2M", default_closed_timer="PT30M"
    )
    assert (updated.default_inactive_timer, updated.default_closed_timer) == ("PT2M", "PT30M")
    assert updated.account_sid == manual_server.account_sid
    fetched = conversations.configuration().fetch()
    assert (fetched.default_inactive_timer, fetched.default_closed_timer) == ("PT2M", "PT30M")

    after = conversations.conversations.create(friendly_name="after the defaults")
    assert set(after.timers) == {"date_inactive", "date_closed"}
    own = conversations.conversations.create(friendly_name="own timer", timers_inactive="PT1H")
    assert own.timers["date_inactive"] != after.timers["date_inactive"]

    status, _ = call(manual_server, "POST", "/_hookline/clock", {"Seconds": "121"})
    assert status == 200
    (moved,) = receiver.wait_for(1, path="/post", timeout=30)
    assert moved.params["ConversationSid"] == after.sid
    assert (moved.params["StateFrom"], moved.params["StateTo"], moved.params["Reason"]) == (
        "active", "inactive", "TIMER",
    )  # fmt: skip
    validator = RequestValidator(manual_server.auth_token)
    assert validator.validate(moved.url, moved.params, moved.headers["X-Twilio-Signature"])
    assert conversations.conversations(after.sid).fetch().state == "inactive"
    assert conversations.conversations(before.sid).fetch().state == "active"
    assert conversations.conversations(own.sid).fetch().state == "active"

    status, _ = call(manual_server, "POST", "/_hookline/clock", {"Seconds": "1800"})
    assert status == 200
    closed = [
        r.params
        for r in receiver.wait_for(3, path="/post", timeout=30)
        if r.params["ConversationSid"] == after.sid and r.params["StateTo"] == "closed"
    ]
    assert closed and closed[0]["Reason"] == "TIMER"
    assert conversations.conversations(after.sid).fetch().state == "closed"
    strict.assert_contract()


@BACKENDS
def test_default_service_and_messaging_service(server: ServerProcess) -> None:
    strict = StrictSdk(server)
    sdk = strict.sdk
    conversations = sdk.conversations.v1
    first_default = conversations.configuration().fetch().default_chat_service_sid
    assert first_default.startswith("IS")
    service = conversations.services.create(friendly_name="the new default")

    updated = conversations.configuration().update(
        default_chat_service_sid=service.sid,
        default_messaging_service_sid="MG" + "a" * 32,
    )
    assert updated.default_chat_service_sid == service.sid
    assert updated.default_messaging_service_sid == "MG" + "a" * 32
    assert updated.links["service"].endswith(f"/v1/Services/{service.sid}")

    # The short URLs now act on the new default service.
    conv = conversations.conversations.create(friendly_name="short url")
    assert conv.chat_service_sid == service.sid
    assert conv.messaging_service_sid == "MG" + "a" * 32
    assert conversations.services(service.sid).conversations(conv.sid).fetch().sid == conv.sid
    listed = [c.sid for c in conversations.conversations.list()]
    assert listed == [conv.sid]
    user = conversations.users.create(identity="on-the-new-default")
    assert user.chat_service_sid == service.sid

    # The old default is an ordinary service again: it can be deleted.
    conversations.services(first_default).delete()
    assert conversations.configuration().fetch().default_chat_service_sid == service.sid
    strict.assert_contract()


@BACKENDS
def test_bad_account_configuration_is_refused_with_twilios_codes(server: ServerProcess) -> None:
    strict = StrictSdk(server)
    sdk = strict.sdk
    configuration = sdk.conversations.v1.configuration()
    refused(lambda: configuration.update(default_inactive_timer="PT59S"), 400, 50375)
    refused(lambda: configuration.update(default_closed_timer="PT9M"), 400, 50376)
    refused(lambda: configuration.update(default_inactive_timer="two minutes"), 400, 50379)
    refused(lambda: configuration.update(default_closed_timer="P1Y"), 400, 50380)
    error = refused(
        lambda: configuration.update(default_chat_service_sid="IS" + "0" * 32), 400, 20001
    )
    assert "DefaultChatServiceSid" in error.msg
    refused(lambda: configuration.update(default_messaging_service_sid="nope"), 400, 20001)
    after = configuration.fetch()
    assert (after.default_inactive_timer, after.default_closed_timer) == (None, None)
    strict.assert_contract()


@BACKENDS
def test_service_default_roles_apply_to_participants_and_users_created_afterwards(
    server: ServerProcess,
) -> None:
    strict = StrictSdk(server)
    sdk = strict.sdk
    service = sdk.conversations.v1.services.create(friendly_name="roles")
    scoped = sdk.conversations.v1.services(service.sid)
    built_in = scoped.configuration().fetch()
    names = {role.sid: role.friendly_name for role in scoped.roles.list()}
    assert names[built_in.default_conversation_role_sid] == "channel user"
    assert names[built_in.default_conversation_creator_role_sid] == "channel admin"
    assert names[built_in.default_chat_service_role_sid] == "service user"
    assert built_in.reachability_enabled is False

    conv = scoped.conversations.create(friendly_name="before")
    early = scoped.conversations(conv.sid).participants.create(identity="early")
    assert early.role_sid == built_in.default_conversation_role_sid

    member = scoped.roles.create(
        friendly_name="member", type="conversation", permission=["sendMessage"]
    )
    owner = scoped.roles.create(
        friendly_name="owner", type="conversation", permission=["sendMessage", "removeMember"]
    )
    customer = scoped.roles.create(
        friendly_name="customer", type="service", permission=["joinConversation"]
    )
    updated = scoped.configuration().update(
        default_conversation_role_sid=member.sid,
        default_conversation_creator_role_sid=owner.sid,
        default_chat_service_role_sid=customer.sid,
        reachability_enabled=True,
    )
    assert updated.default_conversation_role_sid == member.sid
    assert updated.default_conversation_creator_role_sid == owner.sid
    assert updated.default_chat_service_role_sid == customer.sid
    assert updated.reachability_enabled is True
    assert scoped.configuration().fetch().default_conversation_role_sid == member.sid

    late = scoped.conversations(conv.sid).participants.create(identity="late")
    assert late.role_sid == member.sid
    # The participant's identity had no User yet: the one made for it has the service role.
    assert scoped.users("late").fetch().role_sid == customer.sid
    assert scoped.users.create(identity="direct").role_sid == customer.sid
    explicit = scoped.roles.create(
        friendly_name="explicit", type="conversation", permission=["sendMessage"]
    )
    chosen = scoped.conversations(conv.sid).participants.create(
        identity="chosen", role_sid=explicit.sid
    )
    assert chosen.role_sid == explicit.sid
    assert scoped.conversations(conv.sid).participants(early.sid).fetch().role_sid == (
        built_in.default_conversation_role_sid
    )

    # An SDK user's new conversation: its creator joins with the creator role; a user whose
    # (default) service role lacks createConversation is refused.
    scoped.users.create(identity="maker", role_sid=built_in.default_chat_service_role_sid)
    status, made = call(
        server,
        "POST",
        "/_hookline/Conversations",
        {"As": "maker", "ChatServiceSid": service.sid, "FriendlyName": "by an SDK user"},
    )
    assert status == 201, made
    assert made["participant"]["identity"] == "maker"
    assert made["participant"]["role_sid"] == owner.sid
    assert made["conversation"]["friendly_name"] == "by an SDK user"
    status, body = call(
        server, "POST", "/_hookline/Conversations", {"As": "nobody", "ChatServiceSid": service.sid}
    )
    assert (status, body["code"]) == (403, 50107)

    # A partial update keeps the other settings.
    again = scoped.configuration().update(reachability_enabled=False)
    assert (again.default_conversation_role_sid, again.reachability_enabled) == (member.sid, False)
    # Another service is untouched.
    other = sdk.conversations.v1.services.create(friendly_name="other")
    other_roles = sdk.conversations.v1.services(other.sid).configuration().fetch()
    assert other_roles.default_conversation_role_sid != member.sid
    strict.assert_contract()


@BACKENDS
def test_bad_default_roles_are_refused_with_twilios_codes(server: ServerProcess) -> None:
    strict = StrictSdk(server)
    sdk = strict.sdk
    service = sdk.conversations.v1.services.create(friendly_name="bad roles")
    scoped = sdk.conversations.v1.services(service.sid)
    configuration = scoped.configuration()
    before = configuration.fetch()
    service_role = before.default_chat_service_role_sid
    conversation_role = before.default_conversation_role_sid
    unknown = "RL" + "0" * 32
    refused(lambda: configuration.update(default_conversation_role_sid=unknown), 400, 50100)
    refused(lambda: configuration.update(default_chat_service_role_sid="not-a-sid"), 400, 50100)
    refused(lambda: configuration.update(default_conversation_role_sid=service_role), 400, 50105)
    refused(
        lambda: configuration.update(default_conversation_creator_role_sid=service_role),
        400,
        50105,
    )
    refused(
        lambda: configuration.update(default_chat_service_role_sid=conversation_role), 400, 50105
    )
    # A role of another service is no role of this one.
    other = sdk.conversations.v1.services.create(friendly_name="elsewhere")
    foreign = sdk.conversations.v1.services(other.sid).configuration().fetch()
    refused(
        lambda: configuration.update(
            default_conversation_role_sid=foreign.default_conversation_role_sid
        ),
        400,
        50100,
    )
    status, body = call(
        server,
        "POST",
        f"/v1/Services/{service.sid}/Configuration",
        {"ReachabilityEnabled": "maybe"},
    )
    assert (status, body["code"]) == (400, 20001)
    assert configuration.fetch().default_conversation_role_sid == conversation_role
    strict.assert_contract()


@BACKENDS
def test_notification_settings_are_stored_and_returned(server: ServerProcess) -> None:
    strict = StrictSdk(server)
    sdk = strict.sdk
    service = sdk.conversations.v1.services.create(friendly_name="push")
    notifications = sdk.conversations.v1.services(service.sid).configuration.notifications()
    initial = notifications.fetch()
    assert initial.chat_service_sid == service.sid
    assert initial.log_enabled is False
    assert initial.new_message["enabled"] is False
    assert initial.added_to_conversation["enabled"] is False

    updated = notifications.update(
        log_enabled=True,
        new_message_enabled=True,
        new_message_template="${PARTICIPANT}: ${MESSAGE}",
        new_message_sound="ding.wav",
        new_message_badge_count_enabled=True,
        new_message_with_media_enabled=True,
        new_message_with_media_template="${PARTICIPANT} sent a file",
        added_to_conversation_enabled=True,
        added_to_conversation_template="You joined ${CONVERSATION}",
    )
    expected_new_message = {
        "enabled": True,
        "template": "${PARTICIPANT}: ${MESSAGE}",
        "sound": "ding.wav",
        "badge_count_enabled": True,
        "with_media": {"enabled": True, "template": "${PARTICIPANT} sent a file"},
    }
    assert updated.new_message == expected_new_message
    assert updated.log_enabled is True
    assert updated.added_to_conversation == {
        "enabled": True,
        "template": "You joined ${CONVERSATION}",
        "sound": None,
    }

    later = notifications.update(
        removed_from_conversation_enabled=True, removed_from_conversation_sound="bye.wav"
    )
    assert later.new_message == expected_new_message
    assert later.removed_from_conversation == {
        "enabled": True,
        "template": None,
        "sound": "bye.wav",
    }
    fetched = notifications.fetch()
    assert fetched.new_message == expected_new_message
    assert fetched.removed_from_conversation["sound"] == "bye.wav"
    assert fetched.url.endswith(f"/v1/Services/{service.sid}/Configuration/Notifications")
    other = sdk.conversations.v1.services.create(friendly_name="untouched")
    untouched = sdk.conversations.v1.services(other.sid).configuration.notifications().fetch()
    assert untouched.new_message["enabled"] is False

    status, body = call(
        server,
        "POST",
        f"/v1/Services/{service.sid}/Configuration/Notifications",
        {"NewMessage.Enabled": "perhaps"},
    )
    assert (status, body["code"]) == (400, 20001)
    strict.assert_contract()


def test_act_create_conversation_joins_the_creator_with_the_creator_role(
    server: ServerProcess,
) -> None:
    strict = StrictSdk(server)
    sdk = strict.sdk
    default = sdk.conversations.v1.configuration().fetch().default_chat_service_sid
    creator_role = sdk.conversations.v1.services(default).configuration().fetch()
    done = hookline_cli(
        server, "act", "create-conversation", "--as", "alice",
        "--friendly-name", "from the CLI", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    conv = sdk.conversations.v1.conversations(made["conversation"]["sid"])
    (member,) = conv.participants.list()
    assert member.identity == "alice"
    assert member.role_sid == creator_role.default_conversation_creator_role_sid
    status, events = call(
        server, "GET", "/_hookline/events", {"ConversationSid": made["conversation"]["sid"]}
    )
    assert status == 200
    fired = [(e["event_type"], e["params"].get("Source")) for e in events["events"]]
    assert ("onConversationAdded", "SDK") in fired and ("onParticipantAdded", "SDK") in fired
    strict.assert_contract(at_least=3)
