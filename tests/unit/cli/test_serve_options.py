"""``--rest-webhooks`` and ``--faults`` (hookline/cli/inbound.py), as ``serve`` takes them."""

from __future__ import annotations

from typing import Any

import click
from click.testing import CliRunner

from hookline.cli.inbound import serve_options


@click.command()
@serve_options
def fake_serve(**options: Any) -> None:
    click.echo(repr(sorted(options.items())))


def test_options_reach_the_settings_names() -> None:
    result = CliRunner().invoke(
        fake_serve, ["--rest-webhooks", "always", "--faults", "duplicate=0.1,delay=2"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == repr(
        [("faults", "duplicate=0.1,delay=2"), ("rest_webhooks", "always")]
    )
    unset = CliRunner().invoke(
        fake_serve, [], env={"HOOKLINE_FAULTS": "", "HOOKLINE_REST_WEBHOOKS": ""}
    )
    assert unset.output.strip() == repr([("faults", None), ("rest_webhooks", None)])


def test_bad_values_are_usage_errors() -> None:
    for args in (["--faults", "duplicate=2"], ["--faults", "often"], ["--rest-webhooks", "never"]):
        result = CliRunner().invoke(fake_serve, args)
        assert result.exit_code == 2, (args, result.output)


def test_serve_refuses_bad_process_and_host_options() -> None:
    from hookline.cli.server import serve

    for args in (["--workers", "0"], ["--allowed-hosts", "a.*.com"], ["--allowed-hosts", ","]):
        result = CliRunner().invoke(serve, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
