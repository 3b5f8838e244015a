"""``hookline check URL``: test a webhook receiver the way Twilio would call it (the checks
live in :mod:`hookline.checker`, imported only when the command runs)."""

from __future__ import annotations

import shutil
import textwrap

import click


@click.command("check")
@click.argument("url")
@click.option(
    "--auth-token",
    envvar="HOOKLINE_AUTH_TOKEN",
    required=True,
    help="The Auth Token the receiver validates signatures with.",
)
@click.option("--pre", is_flag=True, help="Send a pre-event and read the answer as the gate.")
@click.option("--event", help="Event type to send (default onMessageAdded, --pre onMessageAdd).")
def check(url: str, auth_token: str, pre: bool, event: str | None) -> None:
    """Check that the receiver at URL validates signatures, answers in time and takes
    repeated deliveries. Needs no running server."""
    from hookline.checker import hint, pre_reading, reject_unknown_event, run_checks
    from hookline.domain.events import PRE_EVENTS

    chosen = reject_unknown_event(event, pre)
    verdicts, signed = run_checks(url, auth_token, chosen)
    colours = {"PASS": "green", "WARN": "yellow", "FAIL": "red"}
    width = shutil.get_terminal_size().columns
    for verdict in verdicts:
        level = click.style(f"{verdict.level:4}", fg=colours[verdict.level], bold=True)
        click.echo(level + _wrapped(f"{verdict.check}: {verdict.detail}", width))
    if chosen in PRE_EVENTS:
        click.echo("INFO" + _wrapped(f"pre-event answer: {pre_reading(chosen, signed)}", width))
    failed = [v for v in verdicts if v.level == "FAIL"]
    if failed:
        why = hint(signed)
        raise click.ClickException(f"{len(failed)} check(s) failed" + (f": {why}" if why else ""))


def _wrapped(text: str, width: int) -> str:
    """``text`` after a 4-letter level, wrapped to the terminal, continuation lines indented."""
    lines = textwrap.wrap(text, max(width - 6, 30), break_on_hyphens=False)
    return "  " + "\n      ".join(lines)
