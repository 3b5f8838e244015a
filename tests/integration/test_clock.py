"""A server on a manual clock: timers and retry schedules tested without waiting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hookline
from tests.support.control import call
from tests.support.receiver import Receiver
from tests.support.server import start_server


def test_timers_and_durable_retries_move_with_the_manual_clock(
    tmp_path: Path, receiver: Receiver
) -> None:
    server = start_server(tmp_path, None, "--manual-clock", "--retry-policy", "durable")
    try:
        sdk: Any = hookline.client(server.base_url, server.account_sid, server.auth_token)
        sdk.conversations.v1.configuration.webhooks().update(
            post_webhook_url=receiver.base + "/post",
            filters=["onConversationStateUpdated", "onConversationAdded"],
        )
        receiver.respond("/post", 503, times=1)
        conv = sdk.conversations.v1.conversations.create(
            timers_inactive="PT5M", x_twilio_webhook_enabled="true"
        )
        (failed,) = receiver.wait_for(1, path="/post")
        assert failed.params["EventType"] == "onConversationAdded"

        status, moved = call(server, "POST", "/_hookline/clock", {"Seconds": "301"})
        assert status == 200 and moved["manual"] is True
        got = receiver.wait_for(3, path="/post", timeout=15)
        by_event = {r.params["EventType"]: r for r in got[1:]}
        assert by_event["onConversationAdded"].params["RetryCount"] == "1"
        state = by_event["onConversationStateUpdated"].params
        assert (state["StateFrom"], state["StateTo"], state["Reason"]) == (
            "active", "inactive", "TIMER",
        )  # fmt: skip
        assert sdk.conversations.v1.conversations(conv.sid).fetch().state == "inactive"
    finally:
        server.stop()


def test_the_system_clock_cannot_be_moved(server: Any) -> None:
    status, body = call(server, "POST", "/_hookline/clock", {"Seconds": "60"})
    assert status == 409 and "--manual-clock" in body["message"]
    status, body = call(server, "GET", "/_hookline/clock")
    assert status == 200 and body["manual"] is False
