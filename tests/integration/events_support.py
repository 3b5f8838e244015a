"""Helpers for asserting what hookline emitted: ``/_hookline/events`` and webhook config."""

from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any

from tests.support.receiver import Receiver
from tests.support.server import ServerProcess

COMMON = {"AccountSid", "EventType", "Source"}


def _call(server: ServerProcess, method: str, path: str, **headers: str) -> bytes:
    request = urllib.request.Request(f"{server.base_url}{path}", method=method)
    token = base64.b64encode(f"{server.account_sid}:{server.auth_token}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    for name, value in headers.items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=10) as response:
        body: bytes = response.read()
    return body


def emitted(server: ServerProcess, event_type: str) -> list[dict[str, str]]:
    """The parameters of every recorded ``event_type`` event, oldest first."""
    rows = json.loads(_call(server, "GET", f"/_hookline/events?EventType={event_type}"))
    return [row["params"] for row in rows["events"]]


def delete_with_webhooks(server: ServerProcess, path: str) -> None:
    """DELETE ``/v1{path}`` with ``X-Twilio-Webhook-Enabled: true``: twilio-python 9.x
    builds that header for deletes and then drops it (``headers = values.of({})``)."""
    _call(server, "DELETE", f"/v1{path}", **{"X-Twilio-Webhook-Enabled": "true"})


def hook_everything(sdk: Any, receiver: Receiver, filters: list[str]) -> None:
    sdk.conversations.v1.configuration.webhooks().update(
        filters=filters,
        method="POST",
        pre_webhook_url=f"{receiver.base}/pre",
        post_webhook_url=f"{receiver.base}/post",
    )
