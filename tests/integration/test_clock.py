"""A server on a manual clock: timers and retry schedules tested without waiting."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import hookline
from tests.support.control import call, deliveries, recorded
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, start_server

#: One retry, ten minutes after a failure, no jitter: far longer than any wait here.
RETRY_POLICY = "attempts=2,base=600,factor=1,jitter=0"
DAY = 86400


def _now(server: ServerProcess) -> float:
    status, body = call(server, "GET", "/_hookline/clock")
    assert status == 200 and body["manual"] is True
    return datetime.fromisoformat(body["now"].replace("Z", "+00:00")).timestamp()


def test_retries_wait_for_the_manual_clock_not_the_wall_clock(
    tmp_path: Path, receiver: Receiver
) -> None:
    server = start_server(tmp_path, None, "--manual-clock", "--retry-policy", RETRY_POLICY)
    marker = Receiver()
    try:
        # A day ahead of the wall clock: a retry scheduled by the wall clock would be due
        # at once, one scheduled by the server's clock waits for it to move.
        call(server, "POST", "/_hookline/clock", {"Seconds": str(DAY)})
        sdk: Any = hookline.client(server.base_url, server.account_sid, server.auth_token)
        sdk.conversations.v1.configuration.webhooks().update(
            post_webhook_url=receiver.base + "/post", filters=["onConversationAdded"]
        )
        receiver.respond("/post", 503, times=1)
        conv = sdk.conversations.v1.conversations.create(x_twilio_webhook_enabled="true")
        (failed,) = receiver.wait_for(1, path="/post")
        assert failed.params["RetryCount"] == "0"
        (row,) = deliveries(server, ConversationSid=conv.sid)
        row = recorded(server, row["sid"])
        now = _now(server)
        assert row["status"] == "pending" and row["attempts"] == 1
        # 600 s after the attempt ended by the server's clock (plus the attempt's latency).
        assert now + 600 <= row["next_attempt_at"] < now + 630, (row, now)

        # 599 s later nothing is due. A delivery to another receiver, made after the move,
        # is sent and recorded: the worker has looked, and left the retry alone.
        call(server, "POST", "/_hookline/clock", {"Seconds": "599"})
        sdk.conversations.v1.conversations(conv.sid).webhooks.create(
            target="webhook",
            configuration_url=marker.base + "/marker",
            configuration_filters=["onConversationUpdated"],
        )
        sdk.conversations.v1.conversations(conv.sid).update(
            friendly_name="moved", x_twilio_webhook_enabled="true"
        )
        marker.wait_for(1, path="/marker")
        (marked,) = deliveries(server, EventType="onConversationUpdated")
        recorded(server, marked["sid"])
        assert recorded(server, row["sid"])["attempts"] == 1
        assert len(receiver.matching(path="/post")) == 1

        # Past the retry's time: it is sent at once, once.
        call(server, "POST", "/_hookline/clock", {"Seconds": "40"})
        retried = receiver.wait_for(2, path="/post")[1]
        assert retried.params["RetryCount"] == "1"
        assert recorded(server, row["sid"], attempts=2)["status"] == "delivered"
    finally:
        marker.close()
        server.stop()


def test_timers_move_with_the_manual_clock(tmp_path: Path, receiver: Receiver) -> None:
    server = start_server(tmp_path, None, "--manual-clock")
    try:
        sdk: Any = hookline.client(server.base_url, server.account_sid, server.auth_token)
        sdk.conversations.v1.configuration.webhooks().update(
            post_webhook_url=receiver.base + "/post", filters=["onConversationStateUpdated"]
        )
        conv = sdk.conversations.v1.conversations.create(timers_inactive="PT5M")
        call(server, "POST", "/_hookline/clock", {"Seconds": "299"})
        assert sdk.conversations.v1.conversations(conv.sid).fetch().state == "active"
        status, moved = call(server, "POST", "/_hookline/clock", {"Seconds": "2"})
        assert status == 200 and moved["manual"] is True
        (got,) = receiver.wait_for(1, path="/post", timeout=15)
        state = got.params
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
