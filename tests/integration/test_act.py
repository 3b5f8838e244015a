"""Acting as end users through /_hookline: same rules as /v1, events always fire."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from tests.integration.events_support import emitted
from tests.support.control import call
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess

SMS = "+15550001111"


def _conv(sdk: Any, **fields: Any) -> Any:
    return sdk.conversations.v1.conversations.create(**fields)


def _act(server: ServerProcess, method: str, path: str, **form: str) -> tuple[int, Any]:
    """POST sends a form; DELETE, like every DELETE, its parameters in the query string."""
    path = f"/_hookline/Conversations/{path}"
    if method == "DELETE":
        return call(server, method, f"{path}?{urlencode(form)}")
    return call(server, method, path, form)


def test_sdk_user_posts_edits_and_removes(sdk: Any, server: ServerProcess) -> None:
    conv = _conv(sdk, unique_name="support")
    alice = sdk.conversations.v1.conversations(conv.sid).participants.create(identity="alice")
    status, message = _act(server, "POST", "support/Messages", As="alice", Body="hello")
    assert status == 201, message
    assert (message["author"], message["participant_sid"]) == ("alice", alice.sid)
    assert (
        message["url"] == f"{server.base_url}/v1/Conversations/{conv.sid}/Messages/{message['sid']}"
    )
    (added,) = emitted(server, "onMessageAdded")
    assert added == {
        "AccountSid": server.account_sid, "EventType": "onMessageAdded", "Source": "SDK",
        "ClientIdentity": "alice", "ConversationSid": conv.sid,
        "ChatServiceSid": conv.chat_service_sid, "MessagingServiceSid": conv.messaging_service_sid,
        "Body": "hello", "Author": "alice", "ParticipantSid": alice.sid, "Attributes": "{}",
        "MessageSid": message["sid"], "Index": "0", "DateCreated": message["date_created"],
    }  # fmt: skip
    path = f"support/Messages/{message['sid']}"
    status, edited = _act(server, "POST", path, As="alice", Body="edited", Attributes='{"a":1}')
    assert (status, edited["body"], edited["attributes"]) == (200, "edited", '{"a":1}')
    (updated,) = emitted(server, "onMessageUpdated")
    assert updated["Body"] == "edited" and updated["DateUpdated"] == edited["date_updated"]
    assert _act(server, "DELETE", path, As="alice")[0] == 204
    (removed,) = emitted(server, "onMessageRemoved")
    assert (removed["Source"], removed["ClientIdentity"]) == ("SDK", "alice")
    assert "DateRemoved" in removed
    assert sdk.conversations.v1.conversations(conv.sid).messages.list() == []


def test_sms_and_whatsapp_authors_are_addresses(sdk: Any, server: ServerProcess) -> None:
    conv = _conv(sdk)
    sms = sdk.conversations.v1.conversations(conv.sid).participants.create(
        messaging_binding_address=SMS
    )
    status, by_sid = _act(
        server, "POST", f"{conv.sid}/Messages", As=sms.sid, Source="SMS", Body="a"
    )
    assert (status, by_sid["author"], by_sid["participant_sid"]) == (201, SMS, sms.sid)
    status, wa = _act(
        server, "POST", f"{conv.sid}/Messages", As="+15550002222", Source="WHATSAPP", Body="b"
    )
    assert (status, wa["author"]) == (201, "whatsapp:+15550002222")
    first, second = emitted(server, "onMessageAdded")
    assert (first["Source"], first["Author"], first["ParticipantSid"]) == ("SMS", SMS, sms.sid)
    assert "ClientIdentity" not in first and second["Source"] == "WHATSAPP"


def test_update_conversation_fires_state_event(sdk: Any, server: ServerProcess) -> None:
    conv = _conv(sdk, friendly_name="before")
    # A service admin may change any conversation (test_permissions covers the others).
    (admin,) = [r for r in sdk.conversations.v1.roles.list() if r.friendly_name == "service admin"]
    sdk.conversations.v1.users.create(identity="bob", role_sid=admin.sid)
    status, body = _act(server, "POST", conv.sid, As="bob", FriendlyName="after", State="closed")
    assert (status, body["friendly_name"], body["state"]) == (200, "after", "closed")
    (updated,) = emitted(server, "onConversationUpdated")
    assert (updated["FriendlyName"], updated["ClientIdentity"]) == ("after", "bob")
    (state,) = emitted(server, "onConversationStateUpdated")
    assert (state["StateFrom"], state["StateTo"]) == ("active", "closed")


def test_join_and_leave(sdk: Any, server: ServerProcess) -> None:
    conv = _conv(sdk)
    status, chat = _act(server, "POST", f"{conv.sid}/Participants", As="carol")
    assert (status, chat["identity"]) == (201, "carol")
    status, phone = _act(server, "POST", f"{conv.sid}/Participants", As=SMS, Source="SMS")
    assert (status, phone["messaging_binding"]["address"]) == (201, SMS)
    added = emitted(server, "onParticipantAdded")
    assert [(e["Source"], e["MessagingBinding.Type"]) for e in added] == [
        ("SDK", "CHAT"), ("SMS", "SMS"),
    ]  # fmt: skip
    assert _act(server, "DELETE", f"{conv.sid}/Participants", As="carol")[0] == 204
    assert _act(server, "DELETE", f"{conv.sid}/Participants", As=SMS, Source="SMS")[0] == 204
    assert sdk.conversations.v1.conversations(conv.sid).participants.list() == []
    assert [e["Source"] for e in emitted(server, "onParticipantRemoved")] == ["SDK", "SMS"]


def test_non_default_service_by_parameter(sdk: Any, server: ServerProcess) -> None:
    service = sdk.conversations.v1.services.create(friendly_name="other")
    conv = sdk.conversations.v1.services(service.sid).conversations.create()
    sdk.conversations.v1.services(service.sid).conversations(conv.sid).participants.create(
        identity="dan"
    )
    status, message = _act(
        server, "POST", f"{conv.sid}/Messages", As="dan", Body="x", ChatServiceSid=service.sid
    )
    assert status == 201, message
    assert message["url"].startswith(f"{server.base_url}/v1/Services/{service.sid}/Conversations/")
    assert _act(server, "POST", f"{conv.sid}/Messages", As="dan", Body="x")[0] == 404


def test_act_fires_webhooks_without_the_rest_header(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    sdk.conversations.v1.configuration.webhooks().update(
        filters=["onMessageAdd", "onMessageAdded"],
        pre_webhook_url=receiver.base + "/pre",
        post_webhook_url=receiver.base + "/post",
        method="POST",
    )
    conv = _conv(sdk)
    sdk.conversations.v1.conversations(conv.sid).participants.create(identity="erin")
    assert _act(server, "POST", f"{conv.sid}/Messages", As="erin", Body="hi")[0] == 201
    (pre,) = receiver.wait_for(1, path="/pre")
    assert (pre.params["EventType"], pre.params["ClientIdentity"]) == ("onMessageAdd", "erin")
    receiver.wait_for(1, path="/post", event="onMessageAdded")
    receiver.respond("/pre", 403)
    status, body = _act(server, "POST", f"{conv.sid}/Messages", As="erin", Body="blocked")
    assert (status, body["code"]) == (403, 50350)


@pytest.mark.parametrize(
    ("method", "path", "form", "status", "code"),
    [
        ("POST", "{c}/Messages", {"Body": "x"}, 400, 20001),
        ("POST", "{c}/Messages", {"As": "a", "Source": "FAX", "Body": "x"}, 400, 20001),
        ("POST", "{c}/Messages", {"As": "a", "Author": "mallory", "Body": "x"}, 400, 20001),
        ("POST", "{c}/Messages", {"As": "a"}, 400, 50011),
        ("POST", "{c}/Messages", {"As": "a", "Body": "x", "Attributes": "{"}, 400, 50001),
        ("POST", "{c}/Messages", {"As": "MB" + "0" * 32, "Body": "x"}, 404, 20404),
        ("POST", "CH" + "0" * 32 + "/Messages", {"As": "a", "Body": "x"}, 404, 20404),
        ("POST", "{c}/Messages/IM" + "0" * 32, {"As": "a", "Body": "x"}, 404, 20404),
        ("DELETE", "{c}/Messages/nope", {"As": "a"}, 404, 20404),
        ("POST", "{c}", {"As": "a", "State": "gone"}, 400, 20001),
        ("POST", "{c}/Participants", {"Source": "API"}, 400, 20001),
        ("DELETE", "{c}/Participants", {"As": "nobody"}, 404, 20404),
        ("POST", "{c}/Messages", {"As": "a", "Body": "x", "ChatServiceSid": "IS1"}, 404, 20404),
    ],
)
def test_bad_input_is_a_twilio_error(
    sdk: Any,
    server: ServerProcess,
    method: str,
    path: str,
    form: dict[str, str],
    status: int,
    code: int,
) -> None:
    conv = _conv(sdk)
    got, body = _act(server, method, path.format(c=conv.sid), **form)
    assert (got, body["code"], body["status"]) == (status, code, status), body


def test_act_needs_the_account_credentials(sdk: Any, server: ServerProcess) -> None:
    conv = _conv(sdk)
    path = f"/_hookline/Conversations/{conv.sid}/Messages"
    status, body = call(
        server, "POST", path, {"As": "a", "Body": "x"}, auth=(server.account_sid, "bad")
    )
    assert (status, body["code"]) == (401, 20003)
