"""Helpers for asserting what hookline emitted: ``/_hookline/events`` and webhook config."""

from __future__ import annotations

from typing import Any

from tests.support.control import call
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess

COMMON = {"AccountSid", "EventType", "Source"}


def emitted(server: ServerProcess, event_type: str) -> list[dict[str, str]]:
    """The parameters of every recorded ``event_type`` event, oldest first."""
    status, rows = call(server, "GET", "/_hookline/events", {"EventType": event_type})
    assert status == 200, rows
    return [row["params"] for row in rows["events"]]


def event_types(server: ServerProcess) -> list[str]:
    """The type of every recorded event, oldest first."""
    status, rows = call(server, "GET", "/_hookline/events")
    assert status == 200, rows
    return [row["event_type"] for row in rows["events"]]


def delete_with_webhooks(server: ServerProcess, path: str) -> None:
    """DELETE ``/v1{path}`` with ``X-Twilio-Webhook-Enabled: true``: twilio-python 9.x
    builds that header for deletes and then drops it (``headers = values.of({})``)."""
    status, body = call(
        server, "DELETE", f"/v1{path}", headers={"X-Twilio-Webhook-Enabled": "true"}
    )
    assert status == 204, body


def hook_everything(sdk: Any, receiver: Receiver, filters: list[str]) -> None:
    sdk.conversations.v1.configuration.webhooks().update(
        filters=filters,
        method="POST",
        pre_webhook_url=f"{receiver.base}/pre",
        post_webhook_url=f"{receiver.base}/post",
    )
