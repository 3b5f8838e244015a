"""Another account listing A's service's conversations gets 404, like an unknown one.

Every operation of the route table with wrong credentials and with another account's is
in ``test_cross_account.py`` (built from the route table, so it covers new routes).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

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


@pytest.mark.parametrize("foreign", ["A's service", "unknown service"])
def test_listing_another_accounts_service_is_not_found(world: World, foreign: str) -> None:
    service = world.service if foreign == "A's service" else "IS" + "0" * 32
    reply = world.a.call("GET", f"/v1/Services/{service}/Conversations", auth=world.b.credentials)
    assert world.service_conversation not in reply.body.decode()
    assert reply.status == 404, reply.body[:200]
    assert reply.json()["code"] == 20404
