"""The newcomer's rough edges, through the real ``hookline`` command (a subprocess with
``COLUMNS=80``, as in an 80-column terminal) against a real server: tables that fit,
credential errors that name the variables, ``--help`` that names them, a positional
message body, ``listen --port 0``, and ``check`` against a receiver answering 404."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hookline.domain.events import ALL_EVENTS
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess

WIDTH = 80
#: A long receiver URL: the column a wide table would need most room for.
LONG_PATH = "/hooks/a-rather-long-path/for-the-post-event-receiver/of-this-app"
ENV_NAMES = ("HOOKLINE_URL", "HOOKLINE_ACCOUNT_SID", "HOOKLINE_AUTH_TOKEN")


def _command() -> list[str]:
    """The installed ``hookline`` console script (what a user types), else the module."""
    script = Path(sys.executable).with_name("hookline")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hookline"]


def _clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ENV_NAMES}
    return env | {"COLUMNS": str(WIDTH), "LINES": "50", "TERM": "xterm"}


def run(*args: str, env: dict[str, str], code: int = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*_command(), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == code, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def assert_fits(text: str) -> None:
    long = [line for line in text.splitlines() if len(line.rstrip()) > WIDTH]
    assert not long, "lines over 80 columns:\n" + "\n".join(long)


@pytest.fixture
def env(server: ServerProcess) -> dict[str, str]:
    return _clean_env() | {
        "HOOKLINE_URL": server.base_url,
        "HOOKLINE_ACCOUNT_SID": server.account_sid,
        "HOOKLINE_AUTH_TOKEN": server.auth_token,
    }


@pytest.fixture
def app(server: ServerProcess) -> Iterator[Receiver]:
    with Receiver(server.auth_token) as receiver:
        yield receiver


def test_deliveries_list_fits_80_columns_and_wide_shows_every_column(
    env: dict[str, str], app: Receiver
) -> None:
    run("webhooks", "set", "--post-url", app.url(LONG_PATH), "--all-events", env=env)
    for event in ("onConversationStateUpdated", "onParticipantAdded", "onMessageAdded"):
        run("trigger", event, env=env)
    app.wait_for(3, path=LONG_PATH, timeout=60)
    listed = run("deliveries", "list", "--limit", "5", "--json", env=env).stdout
    deliveries = json.loads(listed)["deliveries"]
    assert len(deliveries) == 5

    table = run("deliveries", "list", "--limit", "5", env=env)
    assert_fits(table.stdout)
    assert "--wide" in table.stderr
    for delivery in deliveries:
        # Each SID whole on one line (to copy), with its event type and status.
        (line,) = [line for line in table.stdout.splitlines() if delivery["sid"] in line]
        assert delivery["status"] in line
        assert delivery["event_type"] in table.stdout

    shown = run("deliveries", "show", deliveries[0]["sid"], env=env).stdout
    assert_fits(shown)
    assert deliveries[0]["sid"] in shown and "X-Twilio-Signature" in shown
    assert "attempt 1 at" in shown and "parameters:" in shown

    wide = run("deliveries", "list", "--limit", "5", "--wide", env=env).stdout
    header = wide.splitlines()[0].split()
    assert header == ["sid", "created_at", "event_type", "url", "status", "attempts", "last_status"]
    for delivery in deliveries:
        (line,) = [line for line in wide.splitlines() if delivery["sid"] in line]
        assert app.url(LONG_PATH) in line and delivery["event_type"] in line


def test_webhooks_show_with_every_filter_fits_80_columns(
    env: dict[str, str], app: Receiver
) -> None:
    run("webhooks", "set", "--all-events", "--post-url", app.url(LONG_PATH), env=env)
    shown = run("webhooks", "show", env=env).stdout
    assert_fits(shown)
    words = set(re.findall(r"\bon[A-Z][A-Za-z]+", shown))
    assert words == ALL_EVENTS  # every one of the 23 filters, each name whole
    assert len(ALL_EVENTS) == 23
    # Formerly one filter a line (~45 lines): now comma-separated, wrapped between names.
    assert len(shown.splitlines()) <= 16, shown
    assert "http://127.0.0.1:" in shown and "POST" in shown


def run_in_terminal(*args: str, env: dict[str, str]) -> str:
    """``hookline ARGS`` in an 80x24 pseudo-terminal (no COLUMNS: the size comes from the
    terminal, as in a user's shell); its output with colours and cursor codes removed."""
    import fcntl
    import struct
    import termios

    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, WIDTH, 0, 0))
    terminal_env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen(
        [*_command(), *args], stdin=secondary, stdout=secondary, stderr=secondary,
        env=terminal_env | {"TERM": "xterm-256color"}, close_fds=True,
    )  # fmt: skip
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the terminal's last writer has gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(60) == 0, b"".join(chunks).decode(errors="replace")
    text = b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def test_tables_fit_a_real_80_column_terminal(env: dict[str, str], app: Receiver) -> None:
    run("webhooks", "set", "--all-events", "--post-url", app.url(LONG_PATH), env=env)
    run("trigger", "onMessageAdded", env=env)
    app.wait_for(1, path=LONG_PATH, event="onMessageAdded", timeout=60)
    shown = run_in_terminal("webhooks", "show", env=env)
    assert_fits(shown)
    assert set(re.findall(r"\bon[A-Z][A-Za-z]+", shown)) == ALL_EVENTS
    listed = run_in_terminal("deliveries", "list", "--limit", "5", env=env)
    assert_fits(listed)
    expected = json.loads(run("deliveries", "list", "--limit", "5", "--json", env=env).stdout)
    assert expected["deliveries"]
    assert re.findall(r"DL[0-9a-f]{32}", listed) == [d["sid"] for d in expected["deliveries"]]
    assert "onMessageAdded" in listed


def test_events_fit_80_columns(env: dict[str, str]) -> None:
    run("trigger", "onParticipantAdded", env=env)
    shown = run("events", env=env).stdout
    assert_fits(shown)
    assert "onParticipantAdded" in shown and "Identity=" in shown


def test_missing_credentials_name_the_variables_and_the_banner_line() -> None:
    refused = run("deliveries", "list", env=_clean_env(), code=2)
    message = " ".join(refused.stderr.split())
    for name in ENV_NAMES:
        assert name in message
    assert "--account-sid" in message and "--auth-token" in message
    assert "export HOOKLINE_URL=" in message and "hookline serve" in message
    assert "Missing option" not in message
    # Only the token missing: only the token is named.
    only = run(
        "events", env=_clean_env() | {"HOOKLINE_ACCOUNT_SID": "AC" + "1" * 32}, code=2
    ).stderr
    assert "HOOKLINE_AUTH_TOKEN" in only and "HOOKLINE_ACCOUNT_SID (" not in only


def test_a_wrong_token_says_which_credentials_were_refused(env: dict[str, str]) -> None:
    refused = run("events", env=env | {"HOOKLINE_AUTH_TOKEN": "9" * 32}, code=1)
    message = " ".join(refused.stderr.split())
    assert "invalid username" not in message
    assert "refused the credentials (HTTP 401" in message
    assert "HOOKLINE_AUTH_TOKEN" in message and "HOOKLINE_ACCOUNT_SID" in message


@pytest.mark.parametrize(
    ("command", "variables"),
    [
        (("deliveries", "list"), ENV_NAMES),
        (("act", "message"), ENV_NAMES),
        (("webhooks", "show"), ENV_NAMES),
        (("listen",), ("HOOKLINE_AUTH_TOKEN", "HOOKLINE_URL", "HOOKLINE_ACCOUNT_SID")),
        (("check",), ("HOOKLINE_AUTH_TOKEN",)),
        (("serve",), ("HOOKLINE_DATABASE_URL", "HOOKLINE_RETRY_POLICY", "HOOKLINE_PORT")),
    ],
)
def test_help_shows_each_options_environment_variable(
    command: tuple[str, ...], variables: tuple[str, ...]
) -> None:
    text = run(*command, "--help", env=_clean_env()).stdout
    assert_fits(text)
    flat = " ".join(text.split())
    for name in variables:
        assert f"env var: {name}" in flat, flat


def test_act_message_takes_the_body_as_an_argument(env: dict[str, str], sdk: Any) -> None:
    sdk.conversations.v1.conversations.create(unique_name="pos")
    run("act", "join", "pos", "--as", "ann", env=env)
    posted = json.loads(
        run("act", "message", "pos", "hi there", "--as", "ann", "--json", env=env).stdout
    )
    assert posted["body"] == "hi there" and posted["author"] == "ann"
    flagged = json.loads(
        run("act", "message", "pos", "--body", "yo", "--as", "ann", "--json", env=env).stdout
    )
    assert flagged["body"] == "yo"
    table = run("act", "message", "pos", "shown", "--as", "ann", env=env).stdout
    assert_fits(table)
    assert "shown" in table
    both = run("act", "message", "pos", "a", "--body", "b", "--as", "ann", env=env, code=2)
    assert "not both" in both.stderr
    messages = sdk.conversations.v1.conversations("pos").messages.list()
    assert [m.body for m in messages] == ["hi there", "yo", "shown"]


def test_listen_on_port_0_prints_the_port_it_got(tmp_path: Path) -> None:
    log = tmp_path / "listen.log"
    env = _clean_env() | {"PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_command(), "listen", "--port", "0"], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    try:
        found = _wait_for_line(log, process, r"listening on http://127\.0\.0\.1:(\d+)/")
        port = int(found.group(1))
        assert port != 0
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/hook", data=b"EventType=onMessageAdded&Body=x"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        _wait_for_line(log, process, r"onMessageAdded POST /hook")
    finally:
        process.terminate()
        process.wait(30)


def _wait_for_line(log: Path, process: subprocess.Popen[bytes], pattern: str) -> re.Match[str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        found = re.search(pattern, text)
        if found:
            return found
        assert process.poll() is None, f"listen exited:\n{text}"
        time.sleep(0.05)  # polling the output file for the line
    raise AssertionError(f"{pattern!r} not printed:\n{log.read_text(errors='replace')}")


def test_check_fails_a_receiver_answering_404_and_passes_nothing() -> None:
    with Receiver("3" * 32) as receiver:
        receiver.respond("/wrong-path", 404)
        checked = run("check", receiver.url("/wrong-path"), "--auth-token", "3" * 32,
                      env=_clean_env(), code=1)  # fmt: skip
    assert_fits(checked.stdout)
    lines = checked.stdout.splitlines()
    assert any(line.startswith("FAIL  correctly signed request: HTTP 404") for line in lines)
    for name in ("wrongly signed request", "unsigned request"):
        (line,) = [line for line in lines if f"  {name}:" in line]
        assert not line.startswith("PASS"), line
    assert "is the path right?" in checked.stderr
