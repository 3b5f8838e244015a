"""What the inspector reads: newest-first control lists with latencies, and the page's
files (the page itself needs the account's credentials, its script and style do not)."""

from __future__ import annotations

import urllib.error
import urllib.request
from email.message import Message

import pytest

from hookline.testing import HooklineServer, WebhookReceiver


def test_lists_newest_first_with_latency(
    hookline_server: HooklineServer, webhook_receiver: WebhookReceiver
) -> None:
    sdk = hookline_server.client.conversations.v1
    sdk.configuration.webhooks().update(
        filters=["onConversationAdded"], post_webhook_url=webhook_receiver.url("/post")
    )
    for name in ("first", "second", "third"):
        sdk.conversations.create(friendly_name=name, x_twilio_webhook_enabled="true")
    webhook_receiver.wait_for(3, path="/post")

    def listing(path: str, **params: str) -> dict[str, list[dict[str, object]]]:
        result: dict[str, list[dict[str, object]]] = hookline_server.request(
            "GET", f"/_hookline/{path}", params
        )
        return result

    oldest_first = listing("deliveries")["deliveries"]
    newest_first = listing("deliveries", Order="desc")["deliveries"]
    assert [d["sid"] for d in newest_first] == [d["sid"] for d in reversed(oldest_first)]
    all_seqs = [e["seq"] for e in listing("events")["events"]]
    events = listing("events", Order="DESC", Limit="2")
    assert [e["seq"] for e in events["events"]] == all_seqs[::-1][:2]
    assert events["next_after"] == max(all_seqs)
    for delivery in oldest_first:
        sid = delivery["sid"]
        detail = hookline_server.request("GET", f"/_hookline/deliveries/{sid}")
        if detail["attempts"]:  # the row may be between its answer and its commit
            latency = detail["latency_ms"]
            assert isinstance(latency, float) and latency >= 0
            assert latency == detail["attempt_log"][-1]["latency_ms"]
    with pytest.raises(RuntimeError, match="400"):
        listing("deliveries", Order="sideways")


def get(url: str) -> tuple[int, Message, str]:
    """Status, headers (case-insensitive) and body of a GET without credentials."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_the_page_needs_credentials_and_its_assets_do_not(hookline_server: HooklineServer) -> None:
    status, headers, _ = get(hookline_server.base_url + "/_hookline/ui")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic")
    status, headers, script = get(hookline_server.base_url + "/_hookline/ui/static/inspector.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert "innerHTML" not in script  # server data goes in as text only
    status, _, _ = get(hookline_server.base_url + "/_hookline/ui/static/..%2Finspector.py")
    assert status == 404
    status, _, _ = get(hookline_server.base_url + "/_hookline/ui/static/inspector.html")
    assert status == 404
