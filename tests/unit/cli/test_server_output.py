"""What ``serve`` and ``worker`` print never includes the database password."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from hookline.cli import main
from hookline.cli.server import _banner
from hookline.settings import Settings

URL = "postgresql://hookline:s3cret-pw@db.example:5432/hookline"


def test_banner_masks_the_database_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hookline.cli.server.console", Console(width=200))
    account = SimpleNamespace(sid="AC1", auth_token="tok", default_service_sid="IS1")
    started: Any = SimpleNamespace(account=account, runtime=None)
    _banner(Settings(database_url=URL), started)
    out = capsys.readouterr().out
    assert "s3cret-pw" not in out
    assert "postgresql://hookline:***@db.example:5432/hookline" in out


def test_worker_masks_the_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []

    async def run_worker(settings: Settings) -> None:
        seen.append(settings)

    monkeypatch.setattr("hookline.app.run_worker", run_worker)
    # No database at db.example: the start-up wait and migration are not what this tests.
    monkeypatch.setattr("hookline.cli.startup.prepare_database", lambda url, wait: None)
    result = CliRunner().invoke(main, ["worker", "--database-url", URL], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert [settings.database_url for settings in seen] == [URL]  # the real URL is used
    assert "s3cret-pw" not in result.output
    assert "hookline:***@db.example" in result.output


def test_banner_prints_the_exports_and_the_inspector(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hookline.cli.server.console", Console(width=80))
    account = SimpleNamespace(sid="AC1", auth_token="tok[/b]", default_service_sid="IS1")
    started: Any = SimpleNamespace(account=account, runtime=None)
    _banner(Settings(port=9000), started)
    out = capsys.readouterr().out
    exports = "export HOOKLINE_URL=http://127.0.0.1:9000 HOOKLINE_ACCOUNT_SID=AC1 "
    # One line, however narrow the terminal: it is copied and pasted.
    assert exports + "HOOKLINE_AUTH_TOKEN=tok[/b]\n" in out
    assert "http://127.0.0.1:9000/_hookline/ui" in out
