"""SIGTERM on ``hookline serve``, as an orchestrator stops a container: the server stops
accepting connections, finishes the request in progress, and exits 0; a request that
does not finish within ``--shutdown-timeout`` does not hold the process up.

The request in progress is held by a pre-event receiver that answers only when the test
releases it, so "in progress" is a fact, not a matter of timing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.server import ServerProcess, start_server


class HeldHook:
    """A pre-event receiver that holds each request until :meth:`release`."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.released = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.arrived.set()
                hook.released.wait(120)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pre"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def held_hook() -> Iterator[HeldHook]:
    hook = HeldHook()
    yield hook
    hook.close()


def _start(tmp_path: Path, hook: HeldHook, *extra: str) -> ServerProcess:
    server = start_server(tmp_path, None, *extra, env={"HOOKLINE_PRE_EVENT_TIMEOUT": "120"})
    _configure_webhooks(server, {"PreWebhookUrl": hook.url, "Filters": "onConversationAdd"})
    return server


def _configure_webhooks(server: ServerProcess, form: dict[str, str]) -> None:
    requests.post(
        f"{server.base_url}/v1/Configuration/Webhooks",
        data=form,
        auth=(server.account_sid, server.auth_token),
        timeout=30,
    ).raise_for_status()


def _create_in_background(server: ServerProcess) -> tuple[threading.Thread, list[Any]]:
    """POST a conversation whose pre-event the hook holds; the outcome lands in the list."""
    outcome: list[Any] = []

    def create() -> None:
        try:
            outcome.append(
                requests.post(
                    f"{server.base_url}/v1/Conversations",
                    data={"FriendlyName": "in flight"},
                    headers={"X-Twilio-Webhook-Enabled": "true"},
                    auth=(server.account_sid, server.auth_token),
                    timeout=120,
                )
            )
        except requests.RequestException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=create)
    thread.start()
    return thread, outcome


def _refuses_connections(base_url: str) -> bool:
    host, port = base_url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError:
        return True
    return False


def _wait(condition: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.05)  # a poll interval; the deadline above is what bounds the wait


def test_sigterm_finishes_the_request_in_progress_and_exits_0(
    tmp_path: Path, held_hook: HeldHook
) -> None:
    server = _start(tmp_path, held_hook)
    try:
        thread, outcome = _create_in_background(server)
        assert held_hook.arrived.wait(60), server.log()
        server.process.terminate()
        # Stops accepting while the request is still held (the hook has not answered).
        _wait(lambda: _refuses_connections(server.base_url), "refusing new connections")
        assert server.process.poll() is None and not outcome
        held_hook.release()
        thread.join(120)
        (response,) = outcome
        assert isinstance(response, requests.Response), response
        assert response.status_code == 201, response.text
        assert server.process.wait(60) == 0, server.log()
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()


def test_a_request_longer_than_the_shutdown_timeout_does_not_hold_the_process(
    tmp_path: Path, held_hook: HeldHook
) -> None:
    server = _start(tmp_path, held_hook, "--shutdown-timeout", "1")
    try:
        thread, outcome = _create_in_background(server)
        assert held_hook.arrived.wait(60), server.log()
        server.process.terminate()
        # The hook never answers: the process exits anyway, once the timeout is up.
        assert server.process.wait(60) == 0, server.log()
        thread.join(120)
        # The client learns its request was cut short: 503 and the connection closed.
        (cut,) = outcome
        assert isinstance(cut, requests.Response), cut
        assert cut.status_code == 503 and cut.json()["code"] == 20503, cut.text
        assert cut.headers["Connection"] == "close"
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()
    assert "POST /v1/Conversations cut short: the server is stopping" in server.log()


def test_sigterm_with_a_post_event_in_flight_exits_0(tmp_path: Path, held_hook: HeldHook) -> None:
    # serve's worker runs on a thread of its own; a first version of its stop waited on a
    # future that thread's loop closed without resolving, when a request was in flight:
    # the process never exited.
    server = start_server(tmp_path, None, "--shutdown-timeout", "1")
    try:
        _configure_webhooks(
            server, {"PostWebhookUrl": held_hook.url, "Filters": "onConversationAdded"}
        )
        requests.post(
            f"{server.base_url}/v1/Conversations",
            headers={"X-Twilio-Webhook-Enabled": "true"},
            auth=(server.account_sid, server.auth_token),
            timeout=30,
        ).raise_for_status()
        assert held_hook.arrived.wait(60), server.log()
        server.process.terminate()
        # The hook never answers: the worker gives the request its grace, then the process
        # exits (the row is left to its lease, and re-sent as a retry).
        assert server.process.wait(60) == 0, server.log()
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()
