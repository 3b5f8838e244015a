"""Operating hookline: ``/metrics``, ``/_hookline/health``, JSON logs, and clear errors
(never tracebacks) for the usual start-up and connection mistakes."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from twilio.base.exceptions import TwilioRestException

import hookline
from hookline.cli import main
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, free_port, start_server, start_worker


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def _sample(text: str, line_start: str) -> float:
    """The value of the exposition line that starts with ``line_start``."""
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {line_start} in:\n{text}")


@pytest.fixture
def stopped_clock_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server whose time stands still: a scheduled retry waits, as the backlog."""
    server = start_server(tmp_path, None, "--manual-clock")
    yield server
    server.stop()


def test_metrics_count_requests_deliveries_and_pre_events(
    stopped_clock_server: ServerProcess, receiver: Receiver
) -> None:
    server = stopped_clock_server
    client = hookline.client(server.base_url, server.account_sid, server.auth_token)
    client.conversations.v1.configuration.webhooks().update(
        pre_webhook_url=receiver.url("/pre"),
        # This URL's fragment asks for a retry after a 5xx.
        post_webhook_url=receiver.url("/post") + "#rc=1&rp=5xx",
        filters=["onConversationAdd", "onConversationAdded"],
    )
    receiver.respond("/post", status=500)
    client.conversations.v1.conversations.create(x_twilio_webhook_enabled="true")
    receiver.wait_for(1, path="/post")
    # The attempt's outcome is counted once it is written: wait for the counter.
    deadline = time.monotonic() + 30
    status, content_type, text = _get(f"{server.base_url}/metrics")
    while 'outcome="retrying"} 1.0' not in text and time.monotonic() < deadline:
        time.sleep(0.05)
        status, content_type, text = _get(f"{server.base_url}/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert _sample(text, 'hookline_deliveries_total{outcome="retrying"}') == 1
    assert _sample(text, 'hookline_deliveries_total{outcome="delivered"}') == 0
    assert _sample(text, 'hookline_http_requests_total{method="POST",status="201"}') >= 1
    assert _sample(text, "hookline_pre_event_seconds_count") == 1
    assert _sample(text, "hookline_delivery_seconds_count") == 1
    # The failed delivery waits for its retry: it is the backlog.
    assert _sample(text, "hookline_outbox_pending") == 1
    health = json.loads(_get(f"{server.base_url}/_hookline/health")[2])
    assert health == {
        "status": "ok",
        "database": "ok",
        "worker": "alive",
        "backlog": 1,
        "pid": server.process.pid,
    }


def test_health_without_a_worker(tmp_path: Path) -> None:
    server = start_server(tmp_path, None, "--no-worker")
    try:
        status, _, body = _get(f"{server.base_url}/_hookline/health")
        assert (status, json.loads(body)["worker"]) == (200, "disabled")
    finally:
        server.stop()


def test_json_logs_have_one_line_per_pre_event_call(tmp_path: Path, receiver: Receiver) -> None:
    server = start_server(tmp_path, None, "--log-format", "json")
    try:
        client = hookline.client(server.base_url, server.account_sid, server.auth_token)
        client.conversations.v1.configuration.webhooks().update(
            pre_webhook_url=receiver.url("/pre"), filters=["onConversationAdd"]
        )
        receiver.respond("/pre", status=403)
        with pytest.raises(TwilioRestException) as rejected:
            client.conversations.v1.conversations.create(x_twilio_webhook_enabled="true")
        assert rejected.value.code == 50350
    finally:
        server.stop()
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    assert lines, server.log()
    (call,) = [line for line in lines if line.get("event") == "onConversationAdd"]
    assert call["logger"] == "hookline.delivery" and call["outcome"] == "rejected"
    assert call["status"] == 403 and call["latency_ms"] >= 0
    # uvicorn's own lines are JSON too.
    assert any(line["logger"].startswith("uvicorn") for line in lines)


def _serve(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hookline", "serve", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, cwd=cwd, env=os.environ.copy()
    )


def test_port_in_use_is_an_error_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve("--port", str(port), "--database-url", "sqlite:///h.db", cwd=tmp_path)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_database_directory_is_an_error_message(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    result = _serve("--database-url", f"sqlite:///{locked}/h.db", cwd=tmp_path)
    assert result.returncode == 2 and "not writable" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///{tmp}/no/such/dir/h.db", "no such directory"),
        ("mysql://user:secret@db/hookline", "unsupported database URL mysql://user:***@db"),
    ],
)
def test_bad_database_urls_are_error_messages(tmp_path: Path, url: str, message: str) -> None:
    result = _serve(
        "--port", str(free_port()), "--database-url", url.format(tmp=tmp_path), cwd=tmp_path
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "secret" not in result.stderr
    migrate = CliRunner().invoke(main, ["migrate", "--database-url", url.format(tmp=tmp_path)])
    assert migrate.exit_code == 2 and message in migrate.output


def test_unreachable_server_is_an_error_message() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    env: Any = {"HOOKLINE_ACCOUNT_SID": "AC" + "1" * 32, "HOOKLINE_AUTH_TOKEN": "x"}
    for args in (["deliveries", "list"], ["trigger", "onMessageAdded"], ["webhooks", "show"]):
        result = CliRunner().invoke(main, [*args, "--url", url], env=env)
        assert result.exit_code == 1
        assert f"cannot reach {url}" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_worker_process_serves_its_delivery_metrics(tmp_path: Path, receiver: Receiver) -> None:
    server = start_server(tmp_path, None, "--no-worker")
    port = free_port()
    worker = start_worker(
        server.database_url, tmp_path / "worker.log", env={"HOOKLINE_METRICS_PORT": str(port)}
    )
    try:
        client = hookline.client(server.base_url, server.account_sid, server.auth_token)
        client.conversations.v1.configuration.webhooks().update(
            post_webhook_url=receiver.url("/post"), filters=["onConversationAdded"]
        )
        client.conversations.v1.conversations.create(x_twilio_webhook_enabled="true")
        receiver.wait_for(1, path="/post", timeout=20)
        delivered = 'hookline_deliveries_total{outcome="delivered"} 1.0'
        deadline, text = time.monotonic() + 30, ""
        while delivered not in text and time.monotonic() < deadline:
            with contextlib.suppress(OSError):  # the worker is still starting
                text = _get(f"http://127.0.0.1:{port}/metrics")[2]
            time.sleep(0.05)  # a poll interval; the deadline above is what bounds it
        assert delivered in text
        assert "hookline_outbox_pending" not in text  # the serve process reports it
    finally:
        worker.terminate()
        worker.wait(10)
        server.stop()


def test_a_url_that_is_not_hookline_is_an_error_message(receiver: Receiver) -> None:
    env: Any = {"HOOKLINE_ACCOUNT_SID": "AC" + "1" * 32, "HOOKLINE_AUTH_TOKEN": "x"}
    for body in ("", "<html>hello</html>"):
        receiver.respond("/_hookline/deliveries", status=200, body=body)
        result = CliRunner().invoke(
            main, ["deliveries", "list", "--url", receiver.url("")], env=env
        )
        assert result.exit_code == 1, result.output
        assert "something other than JSON: is it a hookline server?" in result.output
