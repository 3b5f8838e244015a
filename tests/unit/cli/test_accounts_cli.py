"""``hookline accounts …`` on a local database (click's CliRunner)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from hookline.cli import main


def test_api_key_needs_an_existing_account(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    missing = "AC" + "f" * 32
    refused = runner.invoke(main, ["accounts", "api-key", "--database-url", database, missing])
    assert refused.exit_code == 1
    assert f"Account {missing} not found" in refused.output
    assert "ApiKeySid" not in refused.output

    created = runner.invoke(main, ["accounts", "create", "--database-url", database])
    assert created.exit_code == 0, created.output
    match = re.search(r"AccountSid\s+(AC[0-9a-f]{32})", created.output)
    assert match is not None
    issued = runner.invoke(main, ["accounts", "api-key", "--database-url", database, match[1]])
    assert issued.exit_code == 0, issued.output
    assert re.search(r"ApiKeySid SK[0-9a-f]{32}", issued.output)


def test_account_names_print_as_they_are(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    name = "ops [team] [/b]"
    created = runner.invoke(
        main, ["accounts", "create", "--database-url", database, "--friendly-name", name]
    )
    assert created.exit_code == 0, created.output
    listed = runner.invoke(
        main, ["accounts", "list", "--database-url", database], env={"COLUMNS": "300"}
    )
    assert listed.exit_code == 0 and name in listed.output
