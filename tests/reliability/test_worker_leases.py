"""Workers and their leases, with real processes on SQLite and PostgreSQL (issue 16):

- fault settings apply to the very next delivery, in a worker process of its own;
- a worker stopped with SIGTERM gives back what it has not sent and exits 0;
- after kill -9 of one of two workers, the other takes over its rows within seconds (a
  short lease the dead worker no longer renews), as retries: ``RetryCount`` >= 1, same
  ``I-Twilio-Idempotency-Token``; the live worker's rows are never taken.

Waits are on conditions; the only bound on a duration is generous (25 s for a takeover
that the 10 s lease allows after 10 s; the lease used to be 30 s).
"""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import Api, all_deliveries, api_for, backends, database_url
from tests.support.receiver import Receiver
from tests.support.server import start_server, start_worker
from tests.support.waiting import wait_until

TOKEN = "I-Twilio-Idempotency-Token"
TAKEOVER_BOUND = 25.0


def sql(url: str, query: str) -> list[dict[str, Any]]:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(query)]
    import asyncpg

    async def run() -> list[dict[str, Any]]:
        connection = await asyncpg.connect(url)
        try:
            return [dict(row) for row in await connection.fetch(query)]
        finally:
            await connection.close()

    return asyncio.run(run())


def owner_of(log: Path) -> str:
    """A worker's lease owner name, from the line it logs when it starts."""

    def found() -> str | None:
        match = re.search(r"delivery worker (worker-[0-9a-f]+) started", log.read_text())
        return match.group(1) if match else None

    return str(wait_until(f"the worker logged its name in {log}", found, timeout=60))


class Setup:
    """A ``serve --no-worker``, worker processes, a receiver and a conversation."""

    def __init__(self, tmp: Path, url: str, receiver: Receiver) -> None:
        self.tmp, self.url, self.receiver = tmp, url, receiver
        self.server = start_server(tmp, url, "--no-worker")
        self.api: Api = api_for(self.server)
        self.workers: list[subprocess.Popen[bytes]] = []
        self.api.ok(
            "POST",
            "/v1/Configuration/Webhooks",
            {"PostWebhookUrl": receiver.url("/hook"), "Filters": "onMessageAdded"},
        )
        self.conversation = self.api.ok("POST", "/v1/Conversations", {"FriendlyName": "w"})["sid"]

    def worker(self, name: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.tmp / f"{name}.log"
        process = start_worker(self.url, log, {"HOOKLINE_LOG_LEVEL": "info"})
        self.workers.append(process)
        return process, log

    def post(self, body: str) -> str:
        message = self.api.ok(
            "POST",
            f"/v1/Conversations/{self.conversation}/Messages",
            {"Author": "tester", "Body": body},
            headers={"X-Twilio-Webhook-Enabled": "true"},
        )
        return str(message["sid"])

    def received(self, message_sid: str) -> list[Any]:
        requests = list(self.receiver.requests)
        return [r for r in requests if r.params.get("MessageSid") == message_sid]

    def rows(self) -> list[dict[str, Any]]:
        return [r for r in all_deliveries(self.api) if r["target"] != "pre"]

    def stop(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        self.server.stop()


@pytest.fixture(params=backends())
def setup(request: pytest.FixtureRequest, tmp_path: Path, receiver: Receiver) -> Iterator[Setup]:
    with database_url(request.param, tmp_path) as url:
        made = Setup(tmp_path, url, receiver)
        try:
            yield made
        finally:
            made.stop()


def delivered(setup: Setup, message_sid: str) -> bool:
    rows = [r for r in setup.rows() if r["params"].get("MessageSid") == message_sid]
    return bool(rows) and all(r["status"] == "delivered" for r in rows)


def test_fault_settings_apply_to_the_next_delivery_in_a_worker_process(setup: Setup) -> None:
    setup.worker("worker")
    for round_ in range(3):  # back and forth: a stale reading would show in some round
        setup.api.ok("POST", "/_hookline/faults", {"Duplicate": "1"})
        doubled = setup.post(f"duplicate me {round_}")
        wait_until("the duplicate arrived", lambda d=doubled: len(setup.received(d)) >= 2)
        wait_until("its delivery is recorded", lambda d=doubled: delivered(setup, d))
        requests = setup.received(doubled)
        assert len(requests) == 2 and len({r.headers.get(TOKEN) for r in requests}) == 1
        setup.api.ok("POST", "/_hookline/faults", {"Duplicate": "0"})
        single = setup.post(f"once {round_}")
        # The duplicate goes out within the attempt, before its outcome is recorded.
        wait_until("its delivery is recorded", lambda s=single: delivered(setup, s))
        assert len(setup.received(single)) == 1, "the old Duplicate=1 was still applied"


def test_sigterm_gives_back_unsent_deliveries_and_exits_0(setup: Setup) -> None:
    setup.api.ok("POST", "/_hookline/faults", {"Delay": "10"})
    first, _ = setup.worker("first")
    messages = [setup.post(f"delayed {n}") for n in range(8)]

    def all_claimed() -> bool:
        statuses = [r["status"] for r in setup.rows()]
        return len(statuses) == 8 and "pending" not in statuses and "sending" in statuses

    wait_until("every delivery is claimed and some wait out their fault delay", all_claimed, 120)
    first.send_signal(signal.SIGTERM)
    assert first.wait(60) == 0

    rows = {r["params"]["MessageSid"]: r for r in setup.rows()}
    assert sorted(r["status"] for r in rows.values() if r["status"] == "sending") == []
    given_back = {sid for sid, r in rows.items() if r["status"] == "pending"}
    assert given_back, "every delay had run out before the SIGTERM (rerun)"
    for sid in given_back:
        assert rows[sid]["attempts"] == 0 and setup.received(sid) == []
    for sid in set(messages) - given_back:
        assert (rows[sid]["status"], rows[sid]["attempts"]) == ("delivered", 1)

    setup.api.ok("POST", "/_hookline/faults", {"Delay": "0"})
    setup.worker("second")
    wait_until("all delivered", lambda: all(delivered(setup, sid) for sid in messages), 120)
    for sid in messages:
        (request,) = setup.received(sid)
        assert request.params["RetryCount"] == "0", "a given-back delivery was never sent"


def test_kill_9_of_one_worker_its_rows_are_retried_within_seconds(setup: Setup) -> None:
    setup.receiver.respond("/hook", 200, delay=1.0)
    doomed, doomed_log = setup.worker("doomed")
    survivor, survivor_log = setup.worker("survivor")
    doomed_owner, survivor_owner = owner_of(doomed_log), owner_of(survivor_log)
    messages = [setup.post(f"load {n}") for n in range(30)]

    def held_by(owner: str) -> list[dict[str, Any]]:
        query = "SELECT sid, idempotency_token, lease_owner FROM deliveries"
        query += f" WHERE status = 'sending' AND lease_owner LIKE '{owner}/%'"
        return sql(setup.url, query)

    wait_until("the doomed worker holds deliveries", lambda: held_by(doomed_owner))
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    killed_at = time.time()
    held = held_by(doomed_owner)  # frozen: nobody may take them before their lease ends
    assert held

    wait_until("all delivered", lambda: all(delivered(setup, s) for s in messages), 120)
    requests = list(setup.receiver.requests)
    for row in held:
        resent = [
            r
            for r in requests
            if r.headers.get(TOKEN) == row["idempotency_token"] and r.params["RetryCount"] != "0"
        ]
        assert resent, f"{row['sid']} was not re-sent as a retry"
        assert all(int(r.params["RetryCount"]) >= 1 for r in resent)
        assert min(r.received_at for r in resent) - killed_at < TAKEOVER_BOUND
    held_tokens = {row["idempotency_token"] for row in held}
    for sid in messages:
        tokens = [r.headers.get(TOKEN) for r in setup.received(sid)]
        assert len(set(tokens)) == 1
        if len(tokens) > 1:
            assert tokens[0] in held_tokens, "a delivery the killed worker did not hold repeated"
    assert survivor.poll() is None
    assert survivor_owner != doomed_owner
