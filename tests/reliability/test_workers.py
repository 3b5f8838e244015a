"""``hookline serve --workers 2``: two API processes on one port, on SQLite and PostgreSQL.

Requests are answered by both processes (``/_hookline/health`` names its ``pid``); one of
them delivers, so a conversation-scoped webhook still receives each event once and in
order. kill -9 of the delivering process: uvicorn's supervisor starts a replacement,
which takes over delivering. SIGTERM stops the supervisor and every process, exit 0.
Waits are on conditions, with generous deadlines.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.reliability.conftest import Api, api_for, backends, database_url
from tests.support.receiver import Receiver
from tests.support.server import AUTH_TOKEN, ServerProcess, start_server

LEADER = re.compile(r"this process \(pid (\d+)\) delivers post-events")
DEADLINE = 90.0


def _answering_pids(server: ServerProcess, want: int, exclude: set[int] = frozenset()) -> set[int]:
    """Pids seen in health answers (a new connection each) until ``want`` distinct ones
    not in ``exclude`` have answered."""
    seen: set[int] = set()
    deadline = time.monotonic() + DEADLINE
    while len(seen) < want and time.monotonic() < deadline:
        try:
            answer = requests.get(f"{server.base_url}/_hookline/health", timeout=10)
        except requests.ConnectionError:
            continue  # a process being replaced dropped the connection
        if answer.status_code == 200 and answer.json()["pid"] not in exclude:
            seen.add(answer.json()["pid"])
    assert len(seen) >= want, f"only {seen} answered:\n{server.log()}"
    return seen


def _leaders(server: ServerProcess, count: int) -> list[int]:
    """The pids that said they deliver, once ``count`` of them have."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        found = [int(pid) for pid in LEADER.findall(server.log())]
        if len(found) >= count:
            return found
        time.sleep(0.1)  # the log is a file: poll it until the line is there
    raise AssertionError(f"no {count} delivering process(es):\n{server.log()}")


def _post_messages(api: Api, conversation: str, bodies: list[str]) -> None:
    for body in bodies:  # one at a time, a new connection each: both processes take some
        path = f"/v1/Conversations/{conversation}/Messages"
        api.ok("POST", path, {"Body": body}, headers={"X-Twilio-Webhook-Enabled": "true"})


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


@pytest.mark.parametrize("backend", backends())
def test_two_processes_answer_on_one_port_and_deliver_as_one(backend: str, tmp_path: Path) -> None:
    receiver = Receiver(auth_token=AUTH_TOKEN)
    # Slow answers: events queue up behind the one in flight, so a second delivering
    # process would send them out of order.
    receiver.respond("/hook", 200, delay=0.2)
    with database_url(backend, tmp_path) as url:
        server = start_server(tmp_path, url, "--workers", "2")
        try:
            pids = _answering_pids(server, 2)
            leader = _leaders(server, 1)[0]
            api = api_for(server)
            conversation = api.ok("POST", "/v1/Conversations", {"FriendlyName": "two"})["sid"]
            hook = {
                "Target": "webhook",
                "Configuration.Url": receiver.url("/hook"),
                "Configuration.Filters": "onMessageAdded",
                "Configuration.Method": "POST",
            }
            api.ok("POST", f"/v1/Conversations/{conversation}/Webhooks", hook)
            first = [f"m{n}" for n in range(20)]
            _post_messages(api, conversation, first)
            received = receiver.wait_for(20, timeout=DEADLINE, path="/hook")
            # One delivering process: each event once, in the order it happened.
            assert [r.params["Body"] for r in received] == first
            assert all(r.signature_valid for r in received)
            assert _leaders(server, 1) == [leader] and leader in pids

            # The delivering process dies: the supervisor replaces it, the new one delivers.
            os.kill(leader, signal.SIGKILL)
            replacements = _answering_pids(server, 1, exclude=pids)
            leaders = _leaders(server, 2)
            assert leaders[1] != leader and leaders[1] in replacements | pids
            second = [f"n{n}" for n in range(10)]
            _post_messages(api, conversation, second)
            received = receiver.wait_for(30, timeout=DEADLINE, path="/hook")
            assert [r.params["Body"] for r in received] == first + second
            running = (pids - {leader}) | replacements
        finally:
            server.stop()
        assert server.process.returncode == 0, server.log()
        assert not [pid for pid in running if _alive(pid)]
        assert "Traceback" not in server.log()


def test_manual_clock_needs_one_process(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="--manual-clock needs one process"):
        start_server(tmp_path, None, "--workers", "2", "--manual-clock")
