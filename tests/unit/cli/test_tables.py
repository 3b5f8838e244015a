"""Client output in a narrow terminal, and ``--help`` naming environment variables, without
a server: the table rules of :mod:`hookline.cli.http` and the lazy group's envvar display."""

from __future__ import annotations

from typing import Any

import click
import pytest

from hookline.cli import COMMANDS, main
from hookline.cli.deliveries import DELIVERY, DELIVERY_NARROW, readable
from hookline.cli.http import Server

ROW = {
    "sid": "DL" + "a" * 32,
    "created_at": 1_800_000_000.0,
    "event_type": "onConversationStateUpdated",
    "url": "https://example.com/a/very/long/path/that/would/never/fit/in/eighty/columns",
    "status": "undeliverable",
    "attempts": 12,
    "last_status": 503,
}


def _printed(capsys: pytest.CaptureFixture[str], wide: bool) -> str:
    server = Server("http://hookline.test", "AC" + "1" * 32, "2" * 32, wide=wide)
    server.show({}, [readable(ROW)], DELIVERY, narrow=DELIVERY_NARROW)
    return capsys.readouterr().out


def test_a_narrow_terminal_gets_the_narrow_columns_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = _printed(capsys, wide=False)
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    (line,) = [line for line in out.splitlines() if ROW["sid"] in line]
    assert "onConversationStateUpdated" in line  # neither the SID nor the event folded
    assert "url" not in out.splitlines()[0]
    assert "undeliverable" in out and "503" in out


def test_wide_shows_every_column_unfolded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = _printed(capsys, wide=True)
    assert out.splitlines()[0].split() == list(DELIVERY)
    (line,) = [line for line in out.splitlines() if ROW["sid"] in line]
    assert str(ROW["url"]) in line


def _options(command: click.Command) -> list[tuple[str, click.Option]]:
    found = [(command.name or "", p) for p in command.params if isinstance(p, click.Option)]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            found += _options(sub)
    return found


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_with_a_variable_shows_it_in_help(name: str) -> None:
    command: Any = main.get_command(click.Context(main), name)
    with_variables = [(where, o) for where, o in _options(command) if o.envvar]
    assert all(option.show_envvar for _, option in with_variables), with_variables
