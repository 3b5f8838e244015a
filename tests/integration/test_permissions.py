"""SDK users act within their roles: a denied action is 403 / 50107 and fires nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.events_support import event_types, hook_everything
from tests.support.control import call
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess


@pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)
def test_sdk_user_without_permission_is_refused_and_nothing_fires(
    sdk: Any, server: ServerProcess, receiver: Receiver
) -> None:
    hook_everything(sdk, receiver, ["onMessageAdd", "onMessageAdded", "onMessageRemove",
                                    "onConversationUpdate", "onParticipantAdd"])  # fmt: skip
    conv = sdk.conversations.v1.conversations.create()
    handle = sdk.conversations.v1.conversations(conv.sid)
    handle.participants.create(identity="alice")
    other = handle.messages.create(author="bob", body="not alice's")
    path = f"/_hookline/Conversations/{conv.sid}"
    refused = [
        call(server, "POST", f"{path}/Messages", {"As": "mallory", "Body": "outsider"}),
        call(server, "DELETE", f"{path}/Messages/{other.sid}?As=alice"),
        call(server, "POST", path, {"As": "alice", "FriendlyName": "mine now"}),
    ]
    for status, body in refused:
        assert (status, body["code"]) == (403, 50107), body
        assert body["more_info"] == "https://www.twilio.com/docs/errors/50107"
    assert event_types(server) == []
    assert handle.fetch().friendly_name is None
    assert [m.sid for m in handle.messages.list()] == [other.sid]

    # Allowed actions still fire, which shows the receiver was listening all along.
    status, posted = call(server, "POST", f"{path}/Messages", {"As": "alice", "Body": "hi"})
    assert status == 201, posted
    (pre,) = receiver.wait_for(1, path="/pre", timeout=30)
    assert (pre.params["EventType"], pre.params["ClientIdentity"]) == ("onMessageAdd", "alice")
    assert event_types(server) == ["onMessageAdd", "onMessageAdded"]
