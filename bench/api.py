"""The few REST calls a scenario's set-up makes, over loopback with urllib."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any
from urllib.parse import urlencode

from bench.load import basic_auth
from bench.server import ACCOUNT_SID, AUTH_TOKEN

AUTH = (ACCOUNT_SID, AUTH_TOKEN)


def call(
    base_url: str,
    path: str,
    form: list[tuple[str, str]] | None = None,
    method: str | None = None,
    auth: bool = True,
) -> Any:
    data = urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method)
    if auth:
        request.add_header("Authorization", basic_auth(*AUTH))
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def create_conversation(base_url: str, name: str = "bench", service_sid: str = "") -> str:
    prefix = f"/v1/Services/{service_sid}" if service_sid else "/v1"
    return str(call(base_url, f"{prefix}/Conversations", [("FriendlyName", name)])["sid"])


def create_service(base_url: str, name: str = "bench") -> str:
    return str(call(base_url, "/v1/Services", [("FriendlyName", name)])["sid"])


def global_webhooks(
    base_url: str,
    *,
    pre: str | None = None,
    post: str | None = None,
    filters: list[str],
    service_sid: str = "",
) -> Any:
    """The global webhook configuration, or a service's when ``service_sid`` is given."""
    form = [("Filters", name) for name in filters]
    if pre is not None:
        form.append(("PreWebhookUrl", pre))
    if post is not None:
        form.append(("PostWebhookUrl", post))
    prefix = f"/v1/Services/{service_sid}" if service_sid else "/v1"
    return call(base_url, f"{prefix}/Configuration/Webhooks", form)


def scoped_webhook(base_url: str, conversation_sid: str, url: str, filters: list[str]) -> str:
    form = [("Target", "webhook"), ("Configuration.Url", url)]
    form += [("Configuration.Filters", name) for name in filters]
    path = f"/v1/Conversations/{conversation_sid}/Webhooks"
    return str(call(base_url, path, form)["sid"])


def receiver_stats(base_url: str) -> dict[str, Any]:
    result: dict[str, Any] = call(base_url, "/stats", auth=False)
    return result


def reset_receiver(base_url: str) -> None:
    call(base_url, "/reset", [], auth=False)


def wait_for_count(
    base_url: str,
    expected: int,
    timeout: float,
    stall: float | None = None,
    interval: float = 0.1,
) -> dict[str, Any]:
    """Poll a receiver until it has counted ``expected`` requests, ``timeout`` passes, or
    (with ``stall``) its count has not moved for ``stall`` seconds."""
    deadline = time.monotonic() + timeout
    stats = receiver_stats(base_url)
    moved_at, last_count = time.monotonic(), stats["count"]
    while stats["count"] < expected and time.monotonic() < deadline:
        time.sleep(interval)
        stats = receiver_stats(base_url)
        if stats["count"] != last_count:
            moved_at, last_count = time.monotonic(), stats["count"]
        elif stall is not None and time.monotonic() - moved_at > stall:
            stats["stalled"] = True
            break
    return stats


def delivery_states(base_url: str, page: int = 1000) -> dict[str, int]:
    """How many outbox rows are in each state, per target: ``{"config/delivered": N}``
    (paged through ``GET /_hookline/deliveries``)."""
    states: dict[str, int] = {}
    after: Any = None
    while True:
        query = f"?Limit={page}" + (f"&After={after}" if after is not None else "")
        answer = call(base_url, f"/_hookline/deliveries{query}")
        rows = answer.get("deliveries") or []
        for row in rows:
            key = f"{row.get('target')}/{row.get('status')}"
            states[key] = states.get(key, 0) + 1
        if len(rows) < page or answer.get("next_after") in (None, after):
            return states
        after = answer["next_after"]
