"""Start-up mistakes are one line each, for ``serve``, ``worker`` and ``migrate``: exit
non-zero, no traceback, no password. An unreachable PostgreSQL is waited for
(``--database-wait``), one line per retry, then one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.conftest import POSTGRES_URL, _with_database
from tests.support.server import free_port

PASSWORD = "pw-never-printed"
COMMANDS = (["serve", "--port", "0"], ["worker"], ["migrate"])


def _run(command: list[str], url: str, *extra: str, cwd: Path) -> tuple[int, list[str]]:
    result = subprocess.run(
        [sys.executable, "-m", "hookline", *command, "--database-url", url, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=os.environ | {"COLUMNS": "80"},
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert PASSWORD not in output, output
    return result.returncode, [line for line in output.splitlines() if line.strip()]


def _unreachable() -> str:
    return f"postgresql://hookline:{PASSWORD}@127.0.0.1:{free_port()}/hookline"


MISTAKES = {
    "a directory": ("sqlite:///{tmp}", "it is a directory"),
    "a missing directory": ("sqlite:///{tmp}/missing/h.db", "no such directory"),
    "an unsupported scheme": (f"mysql://u:{PASSWORD}@db/x", "unsupported database URL"),
    "a malformed URL": ("sqlite://relative.db", "Invalid SQLite URL"),
    "a malformed port": (f"postgresql://u:{PASSWORD}@127.0.0.1:port/db", "cannot use database"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_a_configuration_mistake_is_one_line(
    mistake: str, command: list[str], tmp_path: Path
) -> None:
    url, message = MISTAKES[mistake]
    code, lines = _run(command, url.format(tmp=tmp_path), cwd=tmp_path)
    assert code != 0
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], lines


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_database_file_is_one_line(tmp_path: Path) -> None:
    database = tmp_path / "h.db"
    database.touch()
    database.chmod(0o444)
    code, lines = _run(["migrate"], f"sqlite:///{database}", cwd=tmp_path)
    assert code != 0 and len(lines) == 1 and "not writable" in lines[0], lines


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_an_unreachable_postgresql_without_waiting_is_one_line(
    command: list[str], tmp_path: Path
) -> None:
    code, lines = _run(command, _unreachable(), "--database-wait", "0", cwd=tmp_path)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("Error: cannot reach database"), lines
    assert "hookline:***@127.0.0.1" in lines[0]


def test_an_unreachable_postgresql_is_retried_one_line_each_then_one_line(
    tmp_path: Path,
) -> None:
    code, lines = _run(
        ["serve", "--port", "0"], _unreachable(), "--database-wait", "1.5", cwd=tmp_path
    )
    assert code == 1
    *retries, last = lines
    assert retries and all(line.startswith("waiting for database ") for line in retries), lines
    assert all("; retrying in " in line for line in retries), lines
    assert last.startswith("Error: cannot reach database") and "(waited 1.5 s)" in last, lines


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="HOOKLINE_TEST_POSTGRES_URL is not set")
def test_a_database_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    assert POSTGRES_URL
    url = _with_database(POSTGRES_URL, "hookline_no_such_database")
    for command in COMMANDS:
        code, lines = _run(command, url, cwd=tmp_path)
        assert code == 1 and len(lines) == 1, lines
        assert 'database "hookline_no_such_database" does not exist' in lines[0], lines
