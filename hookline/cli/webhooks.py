"""``hookline webhooks set|show`` and ``hookline conversations create`` (docs/cli.md).

The zero-code path to a first webhook: configure where events go, create a conversation,
then ``hookline trigger`` an event. Everything goes through the server's ``/v1`` API, as
the twilio SDK would.
"""

from __future__ import annotations

from typing import Any

import click

from hookline.cli.http import Server, segment, with_server
from hookline.domain.events import ALL_EVENTS

CONFIG = ("pre_webhook_url", "post_webhook_url", "method", "filters", "target")
CONVERSATION = ("sid", "unique_name", "friendly_name", "state", "chat_service_sid")


def config_path(service: str | None) -> str:
    if service:
        return f"/v1/Services/{segment(service)}/Configuration/Webhooks"
    return "/v1/Configuration/Webhooks"


@click.group()
def webhooks() -> None:
    """Where the account's (or a service's) pre- and post-event webhooks go."""


@webhooks.command("set")
@click.option("--service", help="A Conversation Service (IS…); the global configuration if unset.")
@click.option("--post-url", help="Post-event URL ('' clears it).")
@click.option("--pre-url", help="Pre-event URL ('' clears it).")
@click.option(
    "--filter",
    "filters",
    multiple=True,
    type=click.Choice(sorted(ALL_EVENTS)),
    help="An event to deliver (repeat for each; replaces the list).",
)
@click.option("--all-events", is_flag=True, help="Deliver every pre- and post-event.")
@click.option("--method", type=click.Choice(["POST", "GET"], case_sensitive=False))
@with_server
def webhooks_set(server: Server, service: str | None, **opts: Any) -> None:
    """Change the webhook configuration (options left out stay as they are)."""
    filters: list[str] | None = list(opts["filters"]) or None
    if opts["all_events"]:
        filters = sorted(ALL_EVENTS)
    params = {
        "PostWebhookUrl": opts["post_url"],
        "PreWebhookUrl": opts["pre_url"],
        "Filters": filters,
        "Method": opts["method"].upper() if opts["method"] else None,
    }
    if all(value is None for value in params.values()):
        raise click.UsageError("nothing to set: give --post-url, --pre-url, --filter or --method")
    server.show_one(server.call("POST", config_path(service), params), CONFIG)


@webhooks.command("show")
@click.option("--service", help="A Conversation Service (IS…); the global configuration if unset.")
@with_server
def webhooks_show(server: Server, service: str | None) -> None:
    """The current webhook configuration."""
    server.show_one(server.call("GET", config_path(service)), CONFIG)


@click.group()
def conversations() -> None:
    """Create conversations from the command line."""


@conversations.command("create")
@click.option("--friendly-name")
@click.option("--unique-name", help="A name to use instead of the CH… SID in other commands.")
@click.option("--service", help="A Conversation Service (IS…), when not the default one.")
@click.option("--webhooks/--no-webhooks", default=True, show_default=True, help="Fire events.")
@with_server
def conversations_create(server: Server, service: str | None, **opts: Any) -> None:
    """Create a conversation (with X-Twilio-Webhook-Enabled, so onConversationAdded fires)."""
    path = f"/v1/Services/{segment(service)}/Conversations" if service else "/v1/Conversations"
    params = {"FriendlyName": opts["friendly_name"], "UniqueName": opts["unique_name"]}
    headers = {"X-Twilio-Webhook-Enabled": "true"} if opts["webhooks"] else None
    server.show_one(server.call("POST", path, params, headers), CONVERSATION)
