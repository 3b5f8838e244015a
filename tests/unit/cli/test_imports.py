"""Client commands import only what they need: no server, store, driver or web framework."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVER_ONLY = ("sqlalchemy", "starlette", "uvicorn", "aiohttp", "hookline.store", "hookline.app")


def imported_modules(*args: str) -> set[str]:
    """Every module ``python -m hookline ARGS`` imports, read from ``-X importtime``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hookline", *args],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip() for line in lines}


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("events", "--help"),
        ("act", "message", "--help"),
        ("deliveries", "list", "--help"),
        ("serve", "--help"),
        ("listen", "--help"),
        ("trigger", "--help"),
        ("webhooks", "set", "--help"),
        ("conversations", "create", "--help"),
    ],
)
def test_help_and_client_commands_do_not_import_the_server(args: tuple[str, ...]) -> None:
    modules = imported_modules(*args)
    assert "hookline.cli" in modules  # the listing really is of this command's imports
    heavy = sorted(
        name
        for name in modules
        if any(name == prefix or name.startswith(prefix + ".") for prefix in SERVER_ONLY)
    )
    assert heavy == []


def test_server_commands_are_still_reachable() -> None:
    from click.testing import CliRunner

    from hookline.cli import COMMANDS, main

    for name in COMMANDS:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert f"Usage: main {name}" in result.output
