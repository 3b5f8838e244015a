"""Client commands for inbound traffic and fault injection (docs/cli.md).

``inbound`` plays a message from a phone to one of the account's addresses
(``POST /_hookline/Inbound``); ``faults set|show|clear`` manage the account's fault injection
(``/_hookline/faults``). Both talk to a running server.

:func:`serve_options` adds ``--rest-webhooks`` and ``--faults`` to ``serve`` (and
``--faults`` alone, :func:`faults_option`, suits ``worker``); they set the
:class:`~hookline.settings.Settings` fields of the same names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from hookline.cli.http import Server, with_server

INBOUND = ("conversation_sid", "participant_sid", "message_sid", "created")
FAULTS = ("duplicate", "delay", "source")


@click.command("inbound")
@click.option("--from", "sender", required=True, help="The phone: +1555… or whatsapp:+1555….")
@click.option("--to", "to", required=True, help="The account's address the message is sent to.")
@click.option("--body", help="The message text.")
@click.option("--media-sid", help="ME… SID to attach.")
@with_server
def inbound(server: Server, sender: str, to: str, body: str | None, media_sid: str | None) -> None:
    """A message from a phone: it joins its open conversation, or auto-creates one as the
    address configuration of --to says."""
    params = {"From": sender, "To": to, "Body": body, "MediaSid": media_sid}
    answer = server.call("POST", "/_hookline/Inbound", params)
    server.show_one(answer, INBOUND)


@click.group("faults")
def faults() -> None:
    """Inject duplicate and delayed deliveries, to prove a receiver survives them."""


@faults.command("set")
@click.option(
    "--duplicate", type=click.FloatRange(0, 1), help="Probability a delivery is sent twice."
)
@click.option(
    "--delay", type=click.FloatRange(0, 10), help="Up to this many extra seconds per attempt."
)
@with_server
def faults_set(server: Server, duplicate: float | None, delay: float | None) -> None:
    """Set the account's faults (an option not given keeps its value)."""
    if duplicate is None and delay is None:
        raise click.UsageError("give --duplicate and/or --delay")
    answer = server.call("POST", "/_hookline/faults", {"Duplicate": duplicate, "Delay": delay})
    server.show_one(answer, FAULTS)


@faults.command("show")
@with_server
def faults_show(server: Server) -> None:
    """The faults that apply to the account (its own, else the server default)."""
    server.show_one(server.call("GET", "/_hookline/faults"), FAULTS)


@faults.command("clear")
@with_server
def faults_clear(server: Server) -> None:
    """Clear the account's faults (the server default applies again)."""
    server.show_one(server.call("DELETE", "/_hookline/faults"), FAULTS)


def _check_faults(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from hookline.domain import faults as fault_settings  # the server's modules, when used

    try:
        fault_settings.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    return value


def faults_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--faults",
        envvar="HOOKLINE_FAULTS",
        callback=_check_faults,
        help="Default fault injection for every account, e.g. duplicate=0.1,delay=2",
    )(func)


def serve_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = faults_option(func)
    return click.option(
        "--rest-webhooks",
        envvar="HOOKLINE_REST_WEBHOOKS",
        type=click.Choice(["header", "always"]),
        help="header (default, as Twilio): REST actions fire webhooks only with "
        "X-Twilio-Webhook-Enabled: true; always: as if every REST call had it",
    )(func)
