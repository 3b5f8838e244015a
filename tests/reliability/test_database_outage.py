"""A database that blips: PostgreSQL stopped under a running ``hookline serve``, then
started again.

During the outage a client on a kept-alive connection gets 503 with Twilio's error JSON
(code 20503) and ``Retry-After``, on the same connection, request after request; the
health check answers 503 JSON saying the database is not ``ok`` (with the answering pid);
``/metrics`` answers 200 with ``hookline_database_up 0``. Once the database is back,
the same connection gets 201, every message written before or after is there and
delivered, and the log has one line per failed request, no traceback, and no message
body.

The test runs its own PostgreSQL cluster (scripts/pg-test-server), so that stopping it
disturbs no other test.
"""

from __future__ import annotations

import base64
import http.client
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support import postgres
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, start_server

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres.available(), reason="PostgreSQL is not installed"),
]

SECRET = "outage-body-7f3a"  # in every message body; must never reach the log


@pytest.fixture
def cluster() -> Iterator[postgres.Cluster]:
    directory = Path(tempfile.mkdtemp(prefix="hookline-outage-"))
    own = postgres.Cluster(directory)
    own.start()
    yield own
    own.stop()
    shutil.rmtree(directory, ignore_errors=True)


class Client:
    """One HTTP/1.1 connection, kept alive: every request goes on the same socket."""

    def __init__(self, server: ServerProcess) -> None:
        host, port = server.base_url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        token = f"{server.account_sid}:{server.auth_token}".encode()
        self.auth = "Basic " + base64.b64encode(token).decode()
        self.socket: Any = None

    def call(self, method: str, path: str, form: dict[str, str] | None = None, **extra: str) -> Any:
        headers = {"Authorization": self.auth} | extra
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.text = response.read().decode()
        # Same socket as the first request: the server never closed the connection.
        assert (response.getheader("Connection") or "").lower() != "close", response.headers
        if self.socket is None:
            self.socket = self.connection.sock
        assert self.connection.sock is self.socket, "the connection was not kept alive"
        return response


def _wait_for_health(client: Client, status: int) -> Any:
    deadline = time.monotonic() + 60
    while True:
        response = client.call("GET", "/_hookline/health")
        if response.status == status or time.monotonic() > deadline:
            return response
        time.sleep(0.1)  # a poll interval; the deadline above is what bounds the wait


def _database_up(text: str) -> float:
    for line in text.splitlines():
        if line.startswith("hookline_database_up "):
            return float(line.split()[1])
    raise AssertionError(f"no hookline_database_up in:\n{text}")


def test_a_stopped_database_gives_503_and_nothing_is_lost(
    cluster: postgres.Cluster, tmp_path: Path, receiver: Receiver
) -> None:
    server = start_server(
        tmp_path,
        cluster.url,
        "--timeout-keep-alive",
        "300",
        env={"HOOKLINE_DELIVERY_LEASE_SECONDS": "3"},
    )
    try:
        client = Client(server)
        webhooks = {"PostWebhookUrl": receiver.url("/post"), "Filters": "onMessageAdded"}
        assert client.call("POST", "/v1/Configuration/Webhooks", webhooks).status == 200
        created = client.call("POST", "/v1/Conversations", {"FriendlyName": "outage"})
        assert created.status == 201, created.text
        messages = f"/v1/Conversations/{json.loads(created.text)['sid']}/Messages"

        def post(number: int) -> Any:
            form = {"Author": "alice", "Body": f"{SECRET} {number}"}
            return client.call("POST", messages, form, **{"X-Twilio-Webhook-Enabled": "true"})

        assert post(1).status == 201
        health = client.call("GET", "/_hookline/health")
        assert health.status == 200
        assert json.loads(health.text) | {"backlog": 0} == {
            "status": "ok",
            "database": "ok",
            "worker": "alive",
            "backlog": 0,
            "pid": server.process.pid,
        }

        cluster.pause()
        refused = 0
        for number in (2, 3, 4):
            response = post(number)
            assert response.status == 503, response.text
            assert response.getheader("Retry-After") == "5"
            assert json.loads(response.text) == {
                "code": 20503,
                "message": "The database is unavailable; retry the request later",
                "more_info": "https://www.twilio.com/docs/errors/20503",
                "status": 503,
            }
            refused += 1
            health = client.call("GET", "/_hookline/health")
            assert health.status == 503, health.text
            body = json.loads(health.text)
            assert body["database"] != "ok" and body["pid"] == server.process.pid, body
            assert body["status"] == "database unavailable"
            scrape = client.call("GET", "/metrics")
            assert scrape.status == 200 and scrape.getheader("Content-Type").startswith(
                "text/plain"
            )
            assert _database_up(scrape.text) == 0
        # The background loops (timers every second, the worker) meet the outage too, and
        # say so in one line each round.
        deadline = time.monotonic() + 60
        while "conversation timers failed: database unavailable (" not in server.log():
            assert time.monotonic() < deadline, server.log()[-5000:]
            time.sleep(0.1)  # a poll interval; the deadline above is what bounds the wait

        cluster.resume()
        assert _wait_for_health(client, 200).status == 200
        assert post(5).status == 201
        assert _database_up(client.call("GET", "/metrics").text) == 1

        listed = json.loads(client.call("GET", messages).text)["messages"]
        assert [m["body"] for m in listed] == [f"{SECRET} 1", f"{SECRET} 5"]
        delivered = receiver.wait_for(2, timeout=60, path="/post", event="onMessageAdded")
        assert sorted(r.params["Body"] for r in delivered) == [f"{SECRET} 1", f"{SECRET} 5"]
    finally:
        server.stop()
    assert server.process.returncode == 0, server.log()[-3000:]
    log = server.log()
    assert "Traceback" not in log, log[-5000:]
    assert SECRET not in log, log[-5000:]
    failures = [line for line in log.splitlines() if "database unavailable on POST" in line]
    assert len(failures) == refused, log[-5000:]
