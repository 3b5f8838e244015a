"""``hookline serve --no-worker`` plus ``hookline worker``: delivery in its own process."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import reset_postgres
from tests.support.control import call, deliveries
from tests.support.receiver import Receiver
from tests.support.server import start_server, start_worker


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_separate_worker_process_delivers_for_a_server_without_one(
    backend: str, tmp_path: Path, receiver: Receiver
) -> None:
    database_url = None
    if backend == "postgres":
        database_url = os.environ.get("HOOKLINE_TEST_POSTGRES_URL")
        if not database_url:
            pytest.skip("HOOKLINE_TEST_POSTGRES_URL is not set (.ci/run sets it)")
        asyncio.run(reset_postgres(database_url))
    server = start_server(tmp_path, database_url, "--no-worker")
    worker = None
    try:
        status, _ = call(
            server, "POST", "/v1/Configuration/Webhooks",
            {"PostWebhookUrl": receiver.base + "/post", "Filters": "onConversationAdded"},
        )  # fmt: skip
        assert status == 200
        status, _ = call(
            server, "POST", "/v1/Conversations", {}, {"X-Twilio-Webhook-Enabled": "true"}
        )
        assert status == 201
        # The server alone sends nothing: its worker is off and the delivery waits, never
        # claimed, until a worker process starts.
        status, health = call(server, "GET", "/_hookline/health")
        assert status == 200 and health["worker"] == "disabled" and health["backlog"] == 1
        (waiting,) = deliveries(server)
        assert (waiting["status"], waiting["attempts"]) == ("pending", 0)
        assert receiver.requests == []
        worker = start_worker(server.database_url, tmp_path / "worker.log")
        (request,) = receiver.wait_for(1, path="/post", timeout=20)
        validator = RequestValidator(server.auth_token)
        signature = request.headers["X-Twilio-Signature"]
        assert validator.validate(request.url, request.params, signature)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(10)
        server.stop()
