"""All 23 events, produced the way users produce them (REST with the webhook header, and
the act-as-participant API), arrive at a real receiver signed, each with the parameter set
of docs/webhook-events.md §1.4 to §1.6."""

from __future__ import annotations

import re
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from hookline.domain.events import ALL_EVENTS, POST_EVENTS
from tests.support.control import call
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

ON = {"X-Twilio-Webhook-Enabled": "true"}
BINDING = {f"MessagingBinding.{k}" for k in ("ProxyAddress", "Address", "ProjectedAddress")}
CONVERSATION = {"ConversationSid", "DateCreated", "DateUpdated", "Attributes", "ChatServiceSid"}
CONVERSATION_OPT = {"FriendlyName", "UniqueName", "MessagingServiceSid", "State"}
MESSAGE = {"ConversationSid", "Body", "Author", "Attributes", "ChatServiceSid"}
MESSAGE_OPT = {"ParticipantSid", "Media", "MessagingServiceSid"}
STORED_MESSAGE = MESSAGE | {"MessageSid", "Index", "DateCreated"}
PARTICIPANT = {"ConversationSid", "RoleSid", "Attributes", "MessagingBinding.Type"}
PARTICIPANT_OPT = {"Identity", *BINDING}
STORED_PARTICIPANT = PARTICIPANT | {"ParticipantSid", "DateCreated"}
USER = {"ChatServiceSid", "UserSid", "Identity", "RoleSid", "Attributes"}

#: event → (parameters that must be there, parameters that may be there), beyond the
#: common AccountSid, EventType, Source, ClientIdentity (SDK only) and RetryCount (post).
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "onConversationAdd": (
        {"Attributes", "ChatServiceSid", "State"},
        {"FriendlyName", "UniqueName", "MessagingServiceSid", "MessageBody", "Media", *BINDING,
         "MessagingBinding.AuthorAddress"},
    ),
    "onConversationAdded": (
        CONVERSATION | {"State"},
        CONVERSATION_OPT | BINDING | {"MessagingBinding.AuthorAddress"},
    ),
    "onConversationUpdate": (CONVERSATION | {"State"}, CONVERSATION_OPT),
    "onConversationUpdated": (CONVERSATION | {"State"}, CONVERSATION_OPT),
    "onConversationRemove": (CONVERSATION | {"State"}, CONVERSATION_OPT),
    "onConversationRemoved": (CONVERSATION | {"State", "DateRemoved"}, CONVERSATION_OPT),
    "onConversationStateUpdated": (
        {"ChatServiceSid", "StateUpdated", "StateFrom", "StateTo", "ConversationSid", "Reason"},
        {"MessagingServiceSid"},
    ),
    "onMessageAdd": (MESSAGE, MESSAGE_OPT),
    "onMessageAdded": (STORED_MESSAGE, MESSAGE_OPT),
    "onMessageUpdate": (STORED_MESSAGE | {"DateUpdated"}, MESSAGE_OPT),
    "onMessageUpdated": (STORED_MESSAGE | {"DateUpdated"}, MESSAGE_OPT),
    "onMessageRemove": (STORED_MESSAGE | {"DateUpdated"}, MESSAGE_OPT),
    "onMessageRemoved": (STORED_MESSAGE | {"DateUpdated", "DateRemoved"}, MESSAGE_OPT),
    "onParticipantAdd": (PARTICIPANT, PARTICIPANT_OPT),
    "onParticipantAdded": (STORED_PARTICIPANT, PARTICIPANT_OPT),
    "onParticipantUpdate": (STORED_PARTICIPANT | {"DateUpdated"}, PARTICIPANT_OPT),
    "onParticipantUpdated": (
        STORED_PARTICIPANT | {"DateUpdated"},
        PARTICIPANT_OPT | {"LastReadMessageIndex"},
    ),
    "onParticipantRemove": (STORED_PARTICIPANT | {"DateUpdated"}, PARTICIPANT_OPT),
    "onParticipantRemoved": (
        STORED_PARTICIPANT | {"DateUpdated", "DateRemoved"}, PARTICIPANT_OPT
    ),
    "onDeliveryUpdated": (
        {"ConversationSid", "ChatServiceSid", "MessageSid", "DeliveryReceiptSid",
         "ParticipantSid", "Status", "DateCreated", "DateUpdated"},
        {"ChannelMessageSid", "ErrorCode"},
    ),
    "onUserAdded": (USER | {"DateCreated"}, {"FriendlyName"}),
    "onUserUpdate": (USER | {"DateUpdated"}, {"FriendlyName"}),
    "onUserUpdated": (
        USER | {"DateCreated", "DateUpdated", "isOnline", "isNotifiable"}, {"FriendlyName"}
    ),
}  # fmt: skip


def ok(server: ServerProcess, method: str, path: str, data: Any = None) -> Any:
    status, body = call(server, method, path, data, ON)
    assert status in (200, 201, 204), (method, path, status, body)
    return body


def produce_every_event(server: ServerProcess) -> dict[str, Any]:
    """Make every event happen; the resources made, by name."""
    user = ok(server, "POST", "/v1/Users", {"Identity": "bob", "FriendlyName": "Bob"})
    ok(server, "POST", f"/v1/Users/{user['sid']}", {"FriendlyName": "Robert"})
    conv = ok(server, "POST", "/v1/Conversations", {"FriendlyName": "tour"})
    ch = f"/v1/Conversations/{conv['sid']}"
    ok(server, "POST", ch, {"FriendlyName": "the tour"})
    act = f"/_hookline/Conversations/{conv['sid']}"
    alice = ok(server, "POST", f"{act}/Participants", {"As": "alice"})
    sms = ok(server, "POST", f"{ch}/Participants", {
        "MessagingBinding.Address": "+15550001111",
        "MessagingBinding.ProxyAddress": "+15559990000",
    })  # fmt: skip
    ok(server, "POST", f"{ch}/Participants/{alice['sid']}", {"Attributes": '{"vip": true}'})
    message = ok(server, "POST", f"{act}/Messages", {"As": "alice", "Body": "hello"})
    ok(server, "POST", f"{act}/Messages/{message['sid']}", {"As": "alice", "Body": "hello!"})
    ok(server, "POST", f"{act}/Messages/{message['sid']}/Receipts", {
        "ParticipantSid": sms["sid"], "Status": "delivered",
    })  # fmt: skip
    ok(server, "DELETE", f"{act}/Messages/{message['sid']}?As=alice")
    ok(server, "DELETE", f"{act}/Participants?As=alice")
    ok(server, "POST", ch, {"State": "inactive"})
    ok(server, "DELETE", ch)
    return {"user": user, "conv": conv, "alice": alice, "sms": sms, "message": message}


@pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)
def test_every_event_arrives_signed_with_its_documented_parameters(
    server: ServerProcess, receiver: Receiver
) -> None:
    ok(server, "POST", "/v1/Configuration/Webhooks", [
        ("PreWebhookUrl", receiver.base + "/pre"), ("PostWebhookUrl", receiver.base + "/post"),
        *[("Filters", name) for name in sorted(ALL_EVENTS)],
    ])  # fmt: skip
    made = produce_every_event(server)

    # Post-events to one URL go out concurrently: the last action's event can arrive before
    # another's, so wait for every type (the failure message lists what is missing).
    def seen() -> set[str]:
        return {r.params["EventType"] for r in receiver.requests}

    try:
        wait_until("every event type arrived", lambda: seen() >= ALL_EVENTS, 60)
    except AssertionError:
        raise AssertionError(f"missing: {sorted(ALL_EVENTS - seen())}") from None
    assert seen() == ALL_EVENTS
    validator = RequestValidator(server.auth_token)
    for request in receiver.requests:
        name = request.params["EventType"]
        assert request.path == ("/post" if name in POST_EVENTS else "/pre"), name
        signature = request.headers["X-Twilio-Signature"]
        assert validator.validate(request.url, request.params, signature), name
        required, optional = EXPECTED[name]
        common = {"AccountSid", "EventType", "Source"}
        if request.params["Source"] == "SDK":
            common.add("ClientIdentity")
        if name in POST_EVENTS:
            common.add("RetryCount")
        keys = set(request.params)
        assert required | common <= keys, f"{name} lacks {sorted(required | common - keys)}"
        extra = keys - required - optional - common
        assert not extra, f"{name} has undocumented {sorted(extra)}"
    check_values(server, made, receiver)
    by_event = {r.params["EventType"]: r.params for r in receiver.requests}
    assert by_event["onMessageAdded"]["Source"] == "SDK"
    assert by_event["onMessageAdded"]["ClientIdentity"] == "alice"
    assert by_event["onConversationStateUpdated"]["Reason"] == "API"
    assert by_event["onDeliveryUpdated"]["Status"] == "delivered"


DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def check_values(server: ServerProcess, made: dict[str, Any], receiver: Receiver) -> None:
    """Each parameter carries the value of the resource the event is about."""
    conv, message, user = made["conv"], made["message"], made["user"]
    participants = {made["alice"]["sid"]: "alice", made["sms"]["sid"]: None}
    bodies = {
        "onMessageAdd": "hello", "onMessageAdded": "hello",
        "onMessageUpdate": "hello!", "onMessageUpdated": "hello!",
        "onMessageRemove": "hello!", "onMessageRemoved": "hello!",
    }  # fmt: skip
    for request in receiver.requests:
        name, params = request.params["EventType"], request.params
        assert params["AccountSid"] == server.account_sid, name
        assert params.get("ConversationSid", conv["sid"]) == conv["sid"], name
        service = conv["chat_service_sid"]
        assert params.get("ChatServiceSid", service) == service, name
        if name != "onMessageAdd":
            assert params.get("MessageSid", message["sid"]) == message["sid"], name
        if name in bodies:
            assert params["Body"] == bodies[name], name
        if name.startswith("onParticipant") and name != "onParticipantAdd":
            assert params["ParticipantSid"] in participants, name
            assert params.get("Identity") == participants[params["ParticipantSid"]], name
        if name.startswith("onUser") and params["UserSid"] == user["sid"]:
            assert params["Identity"] == "bob", name
        if name in POST_EVENTS:
            assert params["RetryCount"] == "0", name
        for key in ("DateCreated", "DateUpdated", "DateRemoved", "StateUpdated"):
            if key in params:
                assert DATE.fullmatch(params[key]), (name, key, params[key])
    by_event = {r.params["EventType"]: r.params for r in receiver.requests}
    assert by_event["onUserUpdated"]["FriendlyName"] == "Robert"
    added = {r.params["UserSid"]: r.params for r in receiver.matching(event="onUserAdded")}
    assert added[user["sid"]]["FriendlyName"] == "Bob"
    assert any(
        r.params.get("FriendlyName") == "the tour"
        for r in receiver.matching(event="onConversationUpdated")
    )
    state = by_event["onConversationStateUpdated"]
    assert (state["StateFrom"], state["StateTo"]) == ("active", "inactive")
    delivery = by_event["onDeliveryUpdated"]
    assert delivery["ParticipantSid"] == made["sms"]["sid"]
    assert delivery["MessageSid"] == message["sid"]
    assert by_event["onParticipantUpdated"]["Attributes"] == '{"vip": true}'
    removed = by_event["onConversationRemoved"]
    assert (removed["ConversationSid"], removed["FriendlyName"]) == (conv["sid"], "the tour")
