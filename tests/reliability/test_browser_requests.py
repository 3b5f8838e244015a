"""A web page cannot act through the user's browser, and a rebound DNS name is not served.

A real ``hookline serve``: the official SDK sets things up; forged browser requests (an
``Origin`` or ``Sec-Fetch-Site`` of another site, a foreign ``Host``) with the account's
valid credentials get 403 Twilio error JSON, and afterwards the data is exactly as before;
the SDK still works on the same server. The headless-Chromium side (a real cross-site
form, a rebound name) is in tests/integration/test_inspector.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hookline
from tests.reliability.conftest import Api, Reply, api_for
from tests.support.server import ServerProcess, start_server

EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    running = start_server(tmp_path_factory.mktemp("browser"))
    yield running
    running.stop()


def _refused(reply: Reply) -> None:
    assert reply.status == 403, reply.body
    assert reply.error_problem() is None, reply.error_problem()
    assert reply.json()["code"] == 20403


def _state(api: Api) -> dict[str, Any]:
    return {
        "webhooks": api.ok("GET", "/v1/Configuration/Webhooks"),
        "conversations": api.ok("GET", "/v1/Conversations")["conversations"],
    }


def test_cross_site_reset_and_webhook_change_are_refused_and_change_nothing(
    server: ServerProcess,
) -> None:
    sdk = hookline.client(server.base_url, server.account_sid, server.auth_token)
    conversation = sdk.conversations.v1.conversations.create(friendly_name="keep me")
    sdk.conversations.v1.configuration.webhooks().update(
        post_webhook_url="http://127.0.0.1:9/mine", filters=["onMessageAdded"], method="POST"
    )
    api = api_for(server)
    before = _state(api)
    assert [c["sid"] for c in before["conversations"]] == [conversation.sid]

    forged = [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ]
    attacker_hook = {"PostWebhookUrl": "http://evil.example/steal", "Filters": "onMessageAdded"}
    for headers in forged:
        _refused(api.call("POST", "/_hookline/reset", headers=headers))
        _refused(api.call("POST", "/v1/Configuration/Webhooks", attacker_hook, headers=headers))
        _refused(api.call("DELETE", f"/v1/Conversations/{conversation.sid}", headers=headers))
    assert _state(api) == before

    # The SDK (no Origin) still changes things on the same server.
    sdk.conversations.v1.configuration.webhooks().update(post_webhook_url="http://127.0.0.1:9/b")
    assert api.ok("GET", "/v1/Configuration/Webhooks")["post_webhook_url"].endswith("/b")
    conversation.messages.create(body="still here", author="alice")
    # A same-origin request (what the inspector sends) is served.
    own = {"Origin": server.base_url, "Sec-Fetch-Site": "same-origin"}
    api.ok("POST", "/_hookline/reset", headers=own)
    assert api.ok("GET", "/v1/Conversations")["conversations"] == []


def test_a_foreign_host_header_is_refused(server: ServerProcess) -> None:
    api = api_for(server)
    port = server.base_url.rsplit(":", 1)[1]
    for host in (f"rebind.evil.example:{port}", "evil.example", f"127.0.0.1.nip.io:{port}"):
        for method, path in (("GET", "/v1/Conversations"), ("POST", "/_hookline/reset")):
            reply = api.call(method, path, headers={"Host": host})
            _refused(reply)
            assert "--allowed-hosts" in reply.json()["message"]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        assert api.call("GET", "/v1/Conversations", headers={"Host": host}).status == 200


def test_allowed_hosts_and_the_public_url_name_the_served_hosts(tmp_path: Path) -> None:
    extra = (
        "--allowed-hosts",
        "hooks.internal,*.svc.example",
        "--public-url",
        "https://pub.example",
    )
    running = start_server(tmp_path, None, *extra)
    try:
        api = api_for(running)
        served = {"hooks.internal": 200, "a.svc.example": 200, "svc.example": 403}
        # --allowed-hosts adds to the server's own names.
        served |= {"pub.example": 200, "localhost": 200, "evil.example": 403}
        for host, status in served.items():
            reply = api.call("GET", "/v1/Conversations", headers={"Host": host})
            assert reply.status == status, (host, reply.body)
        # The public URL is this server's origin, whatever Host the proxy sends.
        behind_proxy = {"Host": "hooks.internal", "Origin": "https://pub.example"}
        assert api.call("POST", "/_hookline/reset", headers=behind_proxy).status == 200
    finally:
        running.stop()
    (tmp_path / "b").mkdir()
    default_public = start_server(tmp_path / "b", None, "--public-url", "https://pub.example")
    try:
        api = api_for(default_public)
        for host, status in {"pub.example": 200, "localhost": 200, "evil.example": 403}.items():
            assert api.call("GET", "/v1/Conversations", headers={"Host": host}).status == status
    finally:
        default_public.stop()
