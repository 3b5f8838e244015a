"""Every resource, at both URL forms, answers with every property Twilio's spec documents.

The default-service form (``/v1/...``) and the ``/v1/Services/{IS}/...`` form have different
schemas (the latter adds ``chat_service_sid`` to messages, participants, ...); a response
missing a documented property, or carrying one the spec does not document, fails the
contract check (tests/support/openapi.py), as does anything openapi-core itself rejects.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.support.openapi import TWILIO_ORIGIN, ContractChecker
from tests.support.server import ServerProcess

PROXY_ADDRESS = "+15559990000"


class Client:
    """Raw HTTP with the contract check on every response (the SDK has no service-form
    shortcut for every resource, and raw calls show exactly what was sent)."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.checker = ContractChecker(exact=True)

    def __call__(self, method: str, path: str, data: Any = None, status: int = 200) -> Any:
        response = requests.request(
            method,
            self.server.base_url + path,
            data=data if method == "POST" else None,
            params=data if method == "GET" else None,
            auth=(self.server.account_sid, self.server.auth_token),
            timeout=30,
        )
        assert response.status_code == status, f"{method} {path}: {response.text[:500]}"
        if path.startswith("/v1/"):
            self.checker.record(method, TWILIO_ORIGIN + response.request.path_url, response)
        return response.json() if response.content else None


def exercise(call: Client, prefix: str, sms_address: str) -> None:
    """Create, fetch and list every conversation-scoped resource under ``prefix``."""
    conv = call("POST", f"{prefix}/Conversations", {"FriendlyName": "every"}, 201)
    conv_url = f"{prefix}/Conversations/{conv['sid']}"
    call("GET", conv_url)
    call("POST", conv_url, {"FriendlyName": "every, renamed"})
    call("GET", f"{prefix}/Conversations")

    user = call("POST", f"{prefix}/Users", {"Identity": "alice"}, 201)
    call("GET", f"{prefix}/Users/{user['sid']}")
    call("GET", f"{prefix}/Users")

    chat = call("POST", f"{conv_url}/Participants", {"Identity": "alice"}, 201)
    sms = call(
        "POST",
        f"{conv_url}/Participants",
        {"MessagingBinding.Address": sms_address, "MessagingBinding.ProxyAddress": PROXY_ADDRESS},
        201,
    )
    call("GET", f"{conv_url}/Participants/{chat['sid']}")
    call("GET", f"{conv_url}/Participants")

    message = call("POST", f"{conv_url}/Messages", {"Author": "alice", "Body": "hi"}, 201)
    message_url = f"{conv_url}/Messages/{message['sid']}"
    call("GET", message_url)
    call("POST", message_url, {"Body": "hi again"})
    call("GET", f"{conv_url}/Messages")

    service_query = {} if prefix == "/v1" else {"ChatServiceSid": prefix.rsplit("/", 1)[-1]}
    receipt = call(
        "POST",
        f"/_hookline/Conversations/{conv['sid']}/Messages/{message['sid']}/Receipts",
        {"ParticipantSid": sms["sid"], "Status": "delivered", **service_query},
        201,
    )
    call("GET", f"{message_url}/Receipts/{receipt['sid']}")
    call("GET", f"{message_url}/Receipts")

    user_conv_url = f"{prefix}/Users/{user['sid']}/Conversations"
    call("GET", f"{user_conv_url}/{conv['sid']}")
    call("POST", f"{user_conv_url}/{conv['sid']}", {"NotificationLevel": "muted"})
    call("GET", user_conv_url)
    call("GET", f"{prefix}/ParticipantConversations", {"Identity": "alice"})
    call("GET", f"{prefix}/ParticipantConversations", {"Address": sms_address})

    role = call(
        "POST",
        f"{prefix}/Roles",
        {"FriendlyName": "helper", "Type": "conversation", "Permission": "sendMessage"},
        201,
    )
    call("GET", f"{prefix}/Roles/{role['sid']}")
    call("GET", f"{prefix}/Roles")

    hook = call(
        "POST",
        f"{conv_url}/Webhooks",
        {
            "Target": "webhook",
            "Configuration.Url": "https://example.com/hook",
            "Configuration.Filters": "onMessageAdded",
        },
        201,
    )
    call("GET", f"{conv_url}/Webhooks/{hook['sid']}")
    call("GET", f"{conv_url}/Webhooks")

    call(
        "POST",
        f"{prefix}/ConversationWithParticipants",
        {"FriendlyName": "with", "Participant": json.dumps({"identity": "bob"})},
        201,
    )


@pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)
def test_every_resource_at_both_url_forms_matches_the_spec(server: ServerProcess) -> None:
    call = Client(server)
    service = call("POST", "/v1/Services", {"FriendlyName": "every"}, 201)
    call("GET", f"/v1/Services/{service['sid']}")
    call("GET", "/v1/Services")
    call("GET", "/v1/Configuration")
    call("GET", f"/v1/Services/{service['sid']}/Configuration")
    for hooks in (
        "/v1/Configuration/Webhooks",
        f"/v1/Services/{service['sid']}/Configuration/Webhooks",
    ):
        call("GET", hooks)
        call("POST", hooks, {"PostWebhookUrl": "https://example.com/post", "Method": "POST"})
        call("GET", hooks)

    exercise(call, "/v1", "+15550001111")
    exercise(call, f"/v1/Services/{service['sid']}", "+15550002222")

    assert call.checker.checked > 60
    assert not call.checker.failures, "\n".join(str(f) for f in call.checker.failures)
