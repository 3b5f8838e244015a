"""The zero-code workbench against a real server and receiver: ``webhooks set/show``,
``conversations create``, ``trigger``, ``listen --configure/--forward-to`` (a real
``hookline listen`` process), ``deliveries list --follow``, and text that looks like Rich
markup printed as it is."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import hookline
from hookline.domain.events import ALL_EVENTS, PRE_TO_POST
from tests.integration.test_cli import runner_for
from tests.support.control import call
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, free_port

MARKUP = "see [link] and [/b] [bold]x"


@pytest.fixture
def hookline_cli(server: ServerProcess) -> Any:
    return runner_for(server)


@pytest.fixture
def app(server: ServerProcess) -> Iterator[Receiver]:
    """The user's app: a receiver that checks signatures with the account's token."""
    with Receiver(server.auth_token) as receiver:
        yield receiver


def _env(server: ServerProcess) -> dict[str, str]:
    return os.environ | {
        "HOOKLINE_URL": server.base_url,
        "HOOKLINE_ACCOUNT_SID": server.account_sid,
        "HOOKLINE_AUTH_TOKEN": server.auth_token,
        "COLUMNS": "300",
        "PYTHONUNBUFFERED": "1",
    }


class Process:
    """A ``hookline …`` subprocess whose output goes to a file the test can wait on."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log_path = log
        with log.open("wb") as out:
            command = [sys.executable, "-m", "hookline", *args]
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, found: Callable[[str], bool], timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.output()
            if found(text):
                return text
            assert self.process.poll() is None, f"exited early:\n{text}"
            time.sleep(0.05)
        raise AssertionError(f"not seen within {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Process]]:
    started: list[Process] = []

    def start(*args: str, env: dict[str, str]) -> Process:
        process = Process(list(args), env, tmp_path / f"proc-{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def _listen(spawn: Callable[..., Process], server: ServerProcess, *extra: str) -> Process:
    port = free_port()
    listener = spawn("listen", "--port", str(port), "--configure", *extra, env=_env(server))
    listener.wait_for(lambda text: "listening on" in text)
    return listener


def test_version(hookline_cli: Any) -> None:
    assert hookline_cli("--version").output.strip() == f"hookline, version {hookline.__version__}"


def test_tables_print_brackets_as_they_are(hookline_cli: Any) -> None:
    created = hookline_cli("conversations", "create", "--friendly-name", MARKUP, "--no-webhooks")
    assert MARKUP in created.output


def test_webhooks_set_show_and_trigger_every_event(hookline_cli: Any, app: Receiver) -> None:
    receiver = app
    url = receiver.url("/hooks")
    hookline_cli("webhooks", "set", "--post-url", url, "--pre-url", url, "--all-events")
    shown = json.loads(hookline_cli("webhooks", "show", "--json").output)
    assert shown["post_webhook_url"] == url and set(shown["filters"]) == ALL_EVENTS
    triggered: Counter[str] = Counter()
    for event in sorted(ALL_EVENTS):
        hookline_cli("trigger", event)
        # A pre-event name triggers its action: the post-event follows it.
        wanted = PRE_TO_POST.get(event, event)
        triggered[wanted] += 1
        receiver.wait_for(triggered[wanted], path="/hooks", event=wanted)
    # The user's own webhooks saw everything signed with the account's token.
    assert all(r.signature_valid for r in receiver.matching(path="/hooks"))
    assert {r.event_type for r in receiver.matching(path="/hooks")} == ALL_EVENTS


def test_trigger_unknown_event_lists_the_valid_ones(hookline_cli: Any) -> None:
    result = hookline_cli("trigger", "onSomething", ok=False)
    assert result.exit_code == 2
    assert "unknown event 'onSomething'" in result.output
    assert "onMessageAdded" in result.output and "onDeliveryUpdated" in result.output


def test_webhooks_set_for_a_service_and_filters_are_checked(
    hookline_cli: Any, receiver: Receiver, server: ServerProcess
) -> None:
    client = hookline.client(server.base_url, server.account_sid, server.auth_token)
    service = client.conversations.v1.services.create(friendly_name="scoped")
    url = receiver.url("/svc")
    set_ = hookline_cli(
        "webhooks", "set", "--service", service.sid, "--post-url", url,
        "--filter", "onMessageAdded", "--filter", "onConversationAdded", "--method", "get",
        "--json",
    )  # fmt: skip
    body = json.loads(set_.output)
    assert (body["method"], sorted(body["filters"])) == (
        "GET",
        ["onConversationAdded", "onMessageAdded"],
    )
    assert "chat_service_sid" in body
    bad = hookline_cli("webhooks", "set", "--filter", "onNothing", ok=False)
    assert bad.exit_code == 2 and "onNothing" in bad.output
    created = json.loads(
        hookline_cli(
            "conversations", "create", "--service", service.sid, "--unique-name", "u1", "--json"
        ).output
    )
    assert created["unique_name"] == "u1"
    (hook,) = receiver.wait_for(1, path="/svc")
    assert hook.method == "GET" and hook.params["ConversationSid"] == created["sid"]


def _member(server: ServerProcess, conversation: str, identity: str) -> None:
    """Add ``identity`` through REST without webhooks: an SDK user posts only where it is
    a participant (its conversation role lets it)."""
    path = f"/v1/Conversations/{conversation}/Participants"
    status, _ = call(server, "POST", path, {"Identity": identity})
    assert status == 201


def test_listen_prints_markup_and_still_answers_200(
    hookline_cli: Any, spawn: Callable[..., Process], server: ServerProcess
) -> None:
    listener = _listen(spawn, server)
    hookline_cli("conversations", "create", "--unique-name", "m", "--no-webhooks")
    _member(server, "m", "ann")
    # act always fires the pre-event: a listener that crashed on the body would answer 500
    # and hookline would reject the message (403).
    posted = hookline_cli("act", "message", "m", "--as", "ann", "--body", MARKUP, "--json")
    assert json.loads(posted.output)["body"] == MARKUP
    text = listener.wait_for(lambda text: "onMessageAdded" in text)
    assert MARKUP in text and "signature valid" in text


def test_listen_forwards_to_the_app_and_answers_with_its_reply(
    hookline_cli: Any, spawn: Callable[..., Process], server: ServerProcess, app: Receiver
) -> None:
    receiver = app
    listener = _listen(spawn, server, "--forward-to", receiver.url("/app"))
    hookline_cli("conversations", "create", "--unique-name", "f", "--no-webhooks")
    _member(server, "f", "ann")
    # The app rejects: the action is rejected through the relay.
    receiver.respond("/app", status=403, body={"reason": "no"})
    refused = hookline_cli("act", "message", "f", "--as", "ann", "--body", "spam", ok=False)
    assert "code 50350" in refused.output
    (pre,) = receiver.wait_for(1, path="/app")
    # Re-signed for the app's own URL: the app's RequestValidator accepts it.
    assert pre.event_type == "onMessageAdd" and pre.signature_valid
    # The app modifies: its JSON answer changes the message.
    receiver.respond("/app", status=200, body={"body": "cleaned"})
    posted = hookline_cli("act", "message", "f", "--as", "ann", "--body", "dirty", "--json")
    assert json.loads(posted.output)["body"] == "cleaned"
    text = listener.wait_for(lambda text: text.count("app answered") >= 2)
    assert "app answered 403" in text and '"reason": "no"' in text


def test_deliveries_list_newest_first_with_hint_and_checked_filters(
    hookline_cli: Any, receiver: Receiver
) -> None:
    hookline_cli("webhooks", "set", "--post-url", receiver.url("/p"), "--filter", "onUserAdded")
    for _ in range(3):
        hookline_cli("trigger", "onUserAdded")
    receiver.wait_for(3, path="/p")
    listed = json.loads(hookline_cli("deliveries", "list", "--json").output)["deliveries"]
    created = [row["created_at"] for row in listed]
    assert len(listed) == 3 and created == sorted(created, reverse=True)
    limited = hookline_cli("deliveries", "list", "--limit", "2")
    assert listed[0]["sid"] in limited.output and listed[2]["sid"] not in limited.output
    assert "older ones exist" in limited.output
    alias = json.loads(hookline_cli("deliveries", "list", "--type", "onUserAdded", "--json").output)
    assert len(alias["deliveries"]) == 3
    none = json.loads(
        hookline_cli("deliveries", "list", "--event", "onMessageAdded", "--json").output
    )
    assert none["deliveries"] == []
    bogus = hookline_cli("deliveries", "list", "--status", "bogus", ok=False)
    assert bogus.exit_code == 2 and "'bogus' is not one of" in bogus.output
    shown = hookline_cli("deliveries", "show", listed[0]["sid"]).output
    assert "T" in shown and "+00:00" in shown  # ISO times, not epoch seconds
    assert '"EventType": "onUserAdded"' in shown  # parameters as indented JSON


def test_deliveries_follow_tails_new_deliveries(
    hookline_cli: Any, spawn: Callable[..., Process], server: ServerProcess, receiver: Receiver
) -> None:
    hookline_cli("webhooks", "set", "--post-url", receiver.url("/t"), "--filter", "onUserAdded")
    follow = spawn("deliveries", "list", "--follow", "--interval", "0.2", env=_env(server))
    follow.wait_for(lambda text: "following new deliveries" in text)
    hookline_cli("trigger", "onUserAdded")
    receiver.wait_for(1, path="/t")
    text = follow.wait_for(lambda text: "delivered 200" in text)
    assert "onUserAdded" in text and receiver.url("/t") in text


def test_readme_walkthrough_first_webhook_without_code(
    server: ServerProcess, spawn: Callable[..., Process]
) -> None:
    """serve → paste the banner's export line → listen --configure → trigger → inspector."""
    (export,) = [line for line in server.log().splitlines() if line.startswith("export ")]
    env = os.environ | dict(pair.split("=", 1) for pair in export.split()[1:])
    env |= {"PYTHONUNBUFFERED": "1", "COLUMNS": "300"}
    assert env["HOOKLINE_URL"] == server.base_url
    listener = spawn("listen", "--port", str(free_port()), "--configure", env=env)
    listener.wait_for(lambda text: "listening on" in text)
    trigger = subprocess.run(
        [sys.executable, "-m", "hookline", "trigger", "onMessageAdded"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert trigger.returncode == 0 and "triggered onMessageAdded" in trigger.stdout
    text = listener.wait_for(lambda text: "onMessageAdded POST / signature valid" in text)
    assert "onMessageAdd POST / signature valid" in text
    page = urllib.request.Request(f"{server.base_url}/_hookline/ui")
    credentials = f"{server.account_sid}:{server.auth_token}".encode()
    page.add_header("Authorization", "Basic " + base64.b64encode(credentials).decode())
    with urllib.request.urlopen(page, timeout=10) as response:
        assert response.status == 200 and "text/html" in response.headers["Content-Type"]
