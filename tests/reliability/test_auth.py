"""Requests without valid credentials, or with another account's, never read or change data.

Account A (the server's fixed account) owns a service, conversations, a message and a
conversation-scoped webhook. Every implemented operation on A's resources is then called
with missing, wrong and malformed credentials (401, code 20003) and with a second
account's valid credentials (404, code 20404); afterwards A's data must be exactly as
before, and B's answers must not mention any of A's SIDs.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.reliability.conftest import Api, api_for
from tests.support.server import ServerProcess, start_server

WRONG_TOKEN = "f" * 32


@dataclass
class World:
    server: ServerProcess
    a: Api
    b: Api
    b_key: tuple[str, str]
    service: str
    conversation: str
    unique_name: str
    service_conversation: str
    message: str
    webhook: str

    def a_sids(self) -> list[str]:
        return [self.service, self.conversation, self.service_conversation, self.message]


def _cli(server: ServerProcess, *args: str) -> dict[str, str]:
    output = subprocess.run(
        [sys.executable, "-m", "hookline", *args, "--database-url", server.database_url],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return dict(re.findall(r"^(\w+)\s+(\S+)$", output, re.MULTILINE))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    server = start_server(tmp_path_factory.mktemp("auth"))
    try:
        other = _cli(server, "accounts", "create", "--friendly-name", "intruder")
        key = _cli(server, "accounts", "api-key", other["AccountSid"])
        a = api_for(server)
        b = Api(server.base_url, other["AccountSid"], other["AuthToken"])
        a.ok(
            "POST",
            "/v1/Configuration/Webhooks",
            {"PostWebhookUrl": "http://127.0.0.1:9/a-post", "Filters": "onMessageAdded"},
        )
        service = a.ok("POST", "/v1/Services", {"FriendlyName": "a-service"})["sid"]
        a.ok(
            "POST",
            f"/v1/Services/{service}/Configuration/Webhooks",
            {"PostWebhookUrl": "http://127.0.0.1:9/a-service-post"},
        )
        conversation = a.ok(
            "POST", "/v1/Conversations", {"FriendlyName": "a-conv", "UniqueName": "a-unique"}
        )["sid"]
        service_conversation = a.ok(
            "POST", f"/v1/Services/{service}/Conversations", {"FriendlyName": "a-svc-conv"}
        )["sid"]
        message = a.ok(
            "POST", f"/v1/Conversations/{conversation}/Messages", {"Body": "secret", "Author": "a"}
        )["sid"]
        webhook = a.ok(
            "POST",
            f"/v1/Conversations/{conversation}/Webhooks",
            {
                "Target": "webhook",
                "Configuration.Url": "http://127.0.0.1:9/a-scoped",
                "Configuration.Filters": "onMessageAdded",
            },
        )["sid"]
        b.ok("POST", "/v1/Conversations", {"FriendlyName": "b-conv"})
        yield World(
            server,
            a,
            b,
            (key["ApiKeySid"], key["Secret"]),
            service,
            conversation,
            "a-unique",
            service_conversation,
            message,
            webhook,
        )
    finally:
        server.stop()


def snapshot(w: World) -> dict[str, Any]:
    """Everything account A can see, as A sees it."""
    paths = [
        "/v1/Configuration/Webhooks",
        "/v1/Services?PageSize=100",
        f"/v1/Services/{w.service}",
        f"/v1/Services/{w.service}/Configuration/Webhooks",
        "/v1/Conversations?PageSize=100",
        f"/v1/Services/{w.service}/Conversations?PageSize=100",
        f"/v1/Conversations/{w.conversation}/Messages?PageSize=100",
        f"/v1/Conversations/{w.conversation}/Webhooks",
        "/_hookline/events?Limit=1000",
    ]
    return {path: w.a.ok("GET", path) for path in paths}


def operations(w: World) -> list[tuple[str, str, dict[str, str]]]:
    """(method, path, form) for every implemented operation, aimed at A's resources."""
    conv = f"/v1/Conversations/{w.conversation}"
    svc = f"/v1/Services/{w.service}"
    svc_conv = f"{svc}/Conversations/{w.service_conversation}"
    hook = {
        "Target": "webhook",
        "Configuration.Url": "http://127.0.0.1:9/evil",
        "Configuration.Filters": "onMessageAdded",
    }
    return [
        ("GET", "/v1/Configuration/Webhooks", {}),
        ("POST", "/v1/Configuration/Webhooks", {"PostWebhookUrl": "http://127.0.0.1:9/evil"}),
        ("GET", f"{svc}/Configuration/Webhooks", {}),
        ("POST", f"{svc}/Configuration/Webhooks", {"PostWebhookUrl": "http://127.0.0.1:9/evil"}),
        ("GET", f"{svc}/Configuration", {}),
        ("GET", svc, {}),
        ("DELETE", svc, {}),
        ("POST", f"{svc}/Conversations", {"FriendlyName": "evil"}),
        ("GET", conv, {}),
        ("GET", f"/v1/Conversations/{w.unique_name}", {}),
        ("POST", conv, {"FriendlyName": "evil"}),
        ("POST", f"/v1/Conversations/{w.unique_name}", {"FriendlyName": "evil"}),
        ("DELETE", conv, {}),
        ("GET", svc_conv, {}),
        ("POST", svc_conv, {"FriendlyName": "evil"}),
        ("DELETE", svc_conv, {}),
        ("GET", f"{conv}/Messages", {}),
        ("POST", f"{conv}/Messages", {"Body": "evil"}),
        ("GET", f"{svc_conv}/Messages", {}),
        ("POST", f"{svc_conv}/Messages", {"Body": "evil"}),
        ("GET", f"{conv}/Messages/{w.message}", {}),
        ("POST", f"{conv}/Messages/{w.message}", {"Body": "evil"}),
        ("DELETE", f"{conv}/Messages/{w.message}", {}),
        ("GET", f"{conv}/Webhooks", {}),
        ("POST", f"{conv}/Webhooks", hook),
        ("GET", f"{conv}/Webhooks/{w.webhook}", {}),
        ("POST", f"{conv}/Webhooks/{w.webhook}", {"Configuration.Url": "http://127.0.0.1:9/x"}),
        ("DELETE", f"{conv}/Webhooks/{w.webhook}", {}),
    ]


#: Collections every account may call; for account B they must show none of A's data.
OWN_COLLECTIONS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/v1/Services", {}),
    ("POST", "/v1/Services", {"FriendlyName": "mine"}),
    ("GET", "/v1/Conversations", {}),
    ("POST", "/v1/Conversations", {"FriendlyName": "mine"}),
    ("GET", "/v1/Configuration", {}),
    ("GET", "/_hookline/events", {}),
    ("GET", "/_hookline/deliveries", {}),
]


def _basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


def bad_credentials(w: World) -> dict[str, dict[str, Any]]:
    """Name -> keyword arguments for :meth:`Api.call` that must all be refused with 401."""
    sid, token = w.a.credentials
    headers = {
        "empty header": "",
        "scheme only": "Basic",
        "scheme and space": "Basic ",
        "not base64": "Basic !!!not-base64!!!",
        "no colon": _basic(sid.encode()),
        "empty user and password": _basic(b":"),
        "invalid utf-8": _basic(b"\xff\xfe:\xfd"),
        "bearer": f"Bearer {token}",
        "digest": f'Digest username="{sid}"',
        "huge": _basic(sid.encode() + b":" + b"x" * 6000),
        "nul byte": _basic(sid.encode() + b"\x00:" + token.encode()),
    }
    cases: dict[str, dict[str, Any]] = {
        "no auth": {"auth": None},
        "wrong token": {"auth": (sid, WRONG_TOKEN)},
        "empty token": {"auth": (sid, "")},
        "token prefix": {"auth": (sid, token[:-1])},
        "lower-case sid": {"auth": (sid.lower(), token)},
        "unknown account": {"auth": ("AC" + "9" * 32, token)},
        "A sid with B token": {"auth": (sid, w.b.credentials[1])},
        "B sid with A token": {"auth": (w.b.credentials[0], token)},
        "unknown api key": {"auth": ("SK" + "0" * 32, token)},
        "B api key, wrong secret": {"auth": (w.b_key[0], token)},
    }
    for name, value in headers.items():
        cases[f"header: {name}"] = {"auth": None, "headers": {"Authorization": value}}
    return cases


def test_refused_credentials_read_and_change_nothing(world: World) -> None:
    before = snapshot(world)
    problems: list[str] = []
    for name, kwargs in bad_credentials(world).items():
        for method, path, form in [*operations(world), *OWN_COLLECTIONS]:
            reply = world.a.call(method, path, form or None, **kwargs)
            body = reply.body.decode("utf-8", "replace")
            if reply.status != 401 or (
                reply.error_problem() is None and reply.json()["code"] != 20003
            ):
                problems.append(f"[{name}] {method} {path} -> {reply.status} {body[:150]}")
            elif reply.error_problem():
                problems.append(f"[{name}] {method} {path}: {reply.error_problem()}")
            elif any(s in body for s in world.a_sids()):
                problems.append(f"[{name}] {method} {path} leaks A's data: {body[:150]}")
    assert not problems, "\n".join(problems[:40])
    assert snapshot(world) == before
    assert world.server.process.poll() is None


@pytest.mark.parametrize("as_key", [False, True], ids=["B auth token", "B api key"])
def test_another_account_cannot_reach_a_resources(world: World, as_key: bool) -> None:
    before = snapshot(world)
    auth = world.b_key if as_key else world.b.credentials
    problems: list[str] = []
    for method, path, form in operations(world):
        reply = world.a.call(method, path, form or None, auth=auth)
        body = reply.body.decode("utf-8", "replace")
        if path in ("/v1/Configuration/Webhooks",):
            # The global configuration is per account: B reads and changes its own.
            if reply.status >= 300 or "a-post" in body:
                problems.append(f"{method} {path} -> {reply.status} {body[:150]}")
            continue
        if reply.status not in (401, 404) or reply.error_problem():
            problems.append(f"{method} {path} -> {reply.status} {body[:150]}")
        elif reply.json()["code"] not in (20003, 20404):
            problems.append(f"{method} {path}: code {reply.json()['code']}")
    for method, path, form in OWN_COLLECTIONS:
        reply = world.a.call(method, path, form or None, auth=auth)
        body = reply.body.decode("utf-8", "replace")
        if reply.status >= 300:
            problems.append(f"own {method} {path} -> {reply.status} {body[:150]}")
        leaked = [s for s in world.a_sids() if s in body]
        if leaked or world.a.credentials[0] in body:
            problems.append(f"own {method} {path} shows A's data: {body[:200]}")
    assert not problems, "\n".join(problems)
    assert snapshot(world) == before


@pytest.mark.parametrize("foreign", ["A's service", "unknown service"])
def test_listing_another_accounts_service_is_not_found(world: World, foreign: str) -> None:
    service = world.service if foreign == "A's service" else "IS" + "0" * 32
    reply = world.a.call("GET", f"/v1/Services/{service}/Conversations", auth=world.b.credentials)
    assert world.service_conversation not in reply.body.decode()
    assert reply.status == 404, reply.body[:200]
    assert reply.json()["code"] == 20404
