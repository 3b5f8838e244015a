"""``hookline inbound`` and ``hookline faults`` against a real server (click's CliRunner)."""

from __future__ import annotations

import json
from typing import Any

import click
from click.testing import CliRunner

from hookline.cli.inbound import faults, inbound
from tests.support.server import ServerProcess


def _run(server: ServerProcess, command: click.Command, *args: str, ok: bool = True) -> Any:
    env = {
        "HOOKLINE_URL": server.base_url,
        "HOOKLINE_ACCOUNT_SID": server.account_sid,
        "HOOKLINE_AUTH_TOKEN": server.auth_token,
        "COLUMNS": "300",
    }
    result = CliRunner().invoke(command, list(args), env=env, catch_exceptions=False)
    assert (result.exit_code == 0) is ok, result.output
    return result


def test_inbound(sdk: Any, server: ServerProcess) -> None:
    sdk.conversations.v1.address_configurations.create(
        type="sms", address="+15550009999", auto_creation_enabled=True
    )
    args = ("--from", "+15557770001", "--to", "+15550009999", "--body", "hi", "--json")
    first = json.loads(_run(server, inbound, *args).output)
    assert first["created"] is True and first["message"]["body"] == "hi"
    table = _run(server, inbound, *args[:-1]).output
    assert first["conversation_sid"][:10] in table and "False" in table
    missing = _run(server, inbound, "--from", "+1", "--to", "+2", "--body", "x", ok=False)
    assert "HTTP 404" in missing.output


def test_faults(server: ServerProcess) -> None:
    shown = json.loads(_run(server, faults, "set", "--duplicate", "0.25", "--json").output)
    assert shown == {"duplicate": 0.25, "delay": 0.0, "source": "account"}
    assert "0.25" in _run(server, faults, "show").output
    cleared = json.loads(_run(server, faults, "clear", "--json").output)
    assert cleared["source"] == "default"
    assert _run(server, faults, "set", "--delay", "11", ok=False).exit_code == 2
    assert _run(server, faults, "set", ok=False).exit_code == 2
