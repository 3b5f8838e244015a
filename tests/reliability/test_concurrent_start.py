"""Processes started together on a fresh database, as an orchestrator's first deploy starts
them: every one comes up, and exactly one migrates the schema (the others wait on the
migration lock, then find it done).

Before the lock, three of four such processes died with a unique violation in
PostgreSQL's catalogue (two creating ``alembic_version`` at once).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import hookline
from tests.reliability.conftest import (
    POSTGRES_URL,
    backends,
    database_url,
    fresh_postgres_database,
)
from tests.support.receiver import Receiver
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, free_port

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="HOOKLINE_TEST_POSTGRES_URL is not set"
)
MIGRATED = "database schema migrated"
ENV = os.environ | {
    "HOOKLINE_ACCOUNT_SID": ACCOUNT_SID,
    "HOOKLINE_AUTH_TOKEN": AUTH_TOKEN,
    "HOOKLINE_LOG_LEVEL": "info",
}


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    assert POSTGRES_URL
    with fresh_postgres_database(POSTGRES_URL) as url:
        yield url


def _launch(tmp: Path, name: str, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hookline", *args], stdout=out, stderr=subprocess.STDOUT, env=ENV
        )
    return process, log


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_hookline/health", timeout=5):
            return True
    except (OSError, urllib.error.HTTPError):
        return False


def _wait(condition: object, what: str, logs: list[Path], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            texts = "\n".join(f"--- {log.name}\n{log.read_text()[-2000:]}" for log in logs)
            raise AssertionError(f"{what} did not happen:\n{texts}")
        time.sleep(0.1)  # a poll interval; the deadline above is what bounds the wait


def _migrations(logs: list[Path]) -> int:
    return sum(log.read_text().count(MIGRATED) for log in logs)


@pytest.mark.parametrize("backend", backends())
def test_two_servers_two_workers_and_a_migrate_started_together_all_come_up(
    backend: str, tmp_path: Path, receiver: Receiver
) -> None:
    with database_url(backend, tmp_path) as url:
        _start_together(url, tmp_path, receiver)


def _start_together(url: str, tmp_path: Path, receiver: Receiver) -> None:
    ports = [free_port(), free_port()]
    launched = [
        _launch(
            tmp_path,
            f"serve-{port}",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--database-url",
            url,
        )
        for port in ports
    ]
    launched += [_launch(tmp_path, f"worker-{n}", "worker", "--database-url", url) for n in (1, 2)]
    launched.append(_launch(tmp_path, "migrate", "migrate", "--database-url", url))
    processes = [process for process, _ in launched]
    logs = [log for _, log in launched]
    try:
        _wait(lambda: all(_healthy(port) for port in ports), "both servers healthy", logs)
        migrate = processes[4]
        assert migrate.wait(120) == 0, logs[4].read_text()
        for worker_log in logs[2:4]:
            _wait(lambda log=worker_log: "delivering from" in log.read_text(), "a worker", logs)
        assert [process.poll() for process in processes[:4]] == [None] * 4
        assert _migrations(logs) == 1, "\n".join(log.read_text() for log in logs)

        # One account, one database: what one server writes the other serves, and the
        # worker delivers it.
        first, second = (
            hookline.client(f"http://127.0.0.1:{port}", ACCOUNT_SID, AUTH_TOKEN) for port in ports
        )
        first.conversations.v1.configuration.webhooks().update(
            post_webhook_url=receiver.url("/post"), filters=["onConversationAdded"]
        )
        created = first.conversations.v1.conversations.create(x_twilio_webhook_enabled="true")
        assert second.conversations.v1.conversations(created.sid).fetch().sid == created.sid
        receiver.wait_for(1, timeout=60, path="/post", event="onConversationAdded")
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait(30)
    for log in logs:
        assert "Traceback" not in log.read_text(), log.read_text()


def _concurrent_migrations(url: str, tmp: Path, count: int = 4) -> None:
    launched = [
        _launch(tmp, f"migrate-{n}", "migrate", "--database-url", url) for n in range(count)
    ]
    logs = [log for _, log in launched]
    codes = [process.wait(120) for process, _ in launched]
    texts = "\n".join(f"--- {log.name}\n{log.read_text()}" for log in logs)
    assert codes == [0] * count, texts
    assert _migrations(logs) == 1, texts
    assert "Traceback" not in texts, texts


@pytest.mark.postgres
@needs_postgres
def test_four_migrate_commands_at_once_on_postgresql(fresh_postgres: str, tmp_path: Path) -> None:
    _concurrent_migrations(fresh_postgres, tmp_path)


def test_four_migrate_commands_at_once_on_sqlite(tmp_path: Path) -> None:
    _concurrent_migrations(f"sqlite:///{tmp_path / 'hookline.db'}", tmp_path)
