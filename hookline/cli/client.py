"""Client commands: talk to a running server's ``/_hookline`` API (docs/cli.md).

``act`` plays end users, ``events`` shows what fired (the delivery log is in
:mod:`hookline.cli.deliveries`), ``flows`` the Studio flow map, ``receipts`` the
carrier's delivery reports, ``clock`` the server's (manual) time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from hookline.cli.http import Server, segment, wide_option, with_server

MESSAGE = ("sid", "index", "author", "body", "attributes", "date_created", "date_updated")
CONVERSATION = ("sid", "unique_name", "friendly_name", "state", "attributes", "date_updated")
PARTICIPANT = ("sid", "identity", "messaging_binding", "role_sid", "date_created")
EVENT = ("seq", "date_created", "event_type", "source", "conversation_sid", "params")
#: What fits 80 columns (the conversation's SID is among the parameters).
EVENT_NARROW = ("seq", "event_type", "params")
RECEIPT = ("sid", "participant_sid", "status", "error_code", "channel_message_sid")


def _act_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("conversation"),
        click.option(
            "--as", "who", help="Identity (SDK), address (SMS/WhatsApp) or participant MB SID."
        ),
        click.option(
            "--source",
            type=click.Choice(["SDK", "SMS", "WHATSAPP", "API"], case_sensitive=False),
            default="SDK",
            show_default=True,
        ),
        click.option("--service", help="ChatServiceSid (IS…), when not the default service."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _act_params(who: str | None, source: str, service: str | None) -> dict[str, Any]:
    return {"As": who, "Source": source.upper(), "ChatServiceSid": service}


def _conv_path(conversation: str) -> str:
    return f"/_hookline/Conversations/{segment(conversation)}"


@click.group()
def act() -> None:
    """Act as an end user (SDK client, SMS or WhatsApp user): events always fire."""


@act.command("message")
@_act_options
@click.argument("text", required=False, metavar="[BODY]")
@click.option("--body", help="The message's text (or give it as BODY).")
@click.option("--attributes", help="JSON object string.")
@click.option("--media-sid", help="ME… SID to attach.")
@with_server
def act_message(
    server: Server, conversation: str, text: str | None, body: str | None, **opts: Any
) -> None:
    """Post a message to CONVERSATION (SID or UniqueName): act message CONV "hi"."""
    if text is not None and body is not None and text != body:
        raise click.UsageError("give the text once: as BODY or as --body, not both")
    body = body if body is not None else text
    params = _act_params(opts["who"], opts["source"], opts["service"])
    params |= {"Body": body, "Attributes": opts["attributes"], "MediaSid": opts["media_sid"]}
    record = server.call("POST", f"{_conv_path(conversation)}/Messages", params)
    server.show_one(record, MESSAGE)


@act.command("edit")
@_act_options
@click.argument("message")
@click.option("--body")
@click.option("--attributes", help="JSON object string.")
@with_server
def act_edit(server: Server, conversation: str, message: str, **opts: Any) -> None:
    """Edit MESSAGE (IM…) in CONVERSATION."""
    params = _act_params(opts["who"], opts["source"], opts["service"])
    params |= {"Body": opts["body"], "Attributes": opts["attributes"]}
    path = f"{_conv_path(conversation)}/Messages/{segment(message)}"
    server.show_one(server.call("POST", path, params), MESSAGE)


@act.command("remove")
@_act_options
@click.argument("message")
@with_server
def act_remove(server: Server, conversation: str, message: str, **opts: Any) -> None:
    """Delete MESSAGE (IM…) from CONVERSATION."""
    params = _act_params(opts["who"], opts["source"], opts["service"])
    server.call("DELETE", f"{_conv_path(conversation)}/Messages/{segment(message)}", params)
    server.done(f"removed {message}")


@act.command("update-conversation")
@_act_options
@click.option("--friendly-name")
@click.option("--attributes", help="JSON object string.")
@click.option("--state", type=click.Choice(["active", "inactive", "closed"]))
@with_server
def act_update_conversation(server: Server, conversation: str, **opts: Any) -> None:
    """Change CONVERSATION's FriendlyName, Attributes or State."""
    params = _act_params(opts["who"], opts["source"], opts["service"])
    params |= {
        "FriendlyName": opts["friendly_name"],
        "Attributes": opts["attributes"],
        "State": opts["state"],
    }
    server.show_one(server.call("POST", _conv_path(conversation), params), CONVERSATION)


@act.command("join")
@_act_options
@click.option("--attributes", help="JSON object string.")
@click.option("--proxy-address", help="MessagingBinding.ProxyAddress (SMS/WhatsApp).")
@with_server
def act_join(server: Server, conversation: str, **opts: Any) -> None:
    """Join CONVERSATION as the --as user (identity, or address for SMS/WhatsApp)."""
    params = _act_params(opts["who"], opts["source"], opts["service"])
    params |= {
        "Attributes": opts["attributes"],
        "MessagingBinding.ProxyAddress": opts["proxy_address"],
    }
    record = server.call("POST", f"{_conv_path(conversation)}/Participants", params)
    server.show_one(record, PARTICIPANT)


@act.command("leave")
@_act_options
@with_server
def act_leave(server: Server, conversation: str, **opts: Any) -> None:
    """Leave CONVERSATION as the --as user."""
    params = _act_params(opts["who"], opts["source"], opts["service"])
    server.call("DELETE", f"{_conv_path(conversation)}/Participants", params)
    server.done(f"{opts['who']} left {conversation}")


@act.command("create-conversation")
@click.option("--as", "who", required=True, help="The SDK user's identity.")
@click.option("--friendly-name")
@click.option("--unique-name")
@click.option("--attributes", help="JSON object string.")
@click.option("--service", help="ChatServiceSid (IS…), when not the default service.")
@with_server
def act_create_conversation(server: Server, **opts: Any) -> None:
    """Create a conversation as an SDK user, who joins it with the service's conversation
    creator role (DefaultConversationCreatorRoleSid)."""
    params = _act_params(opts["who"], "SDK", opts["service"])
    params |= {
        "FriendlyName": opts["friendly_name"],
        "UniqueName": opts["unique_name"],
        "Attributes": opts["attributes"],
    }
    record = server.call("POST", "/_hookline/Conversations", params)
    if server.as_json:
        server.show_one(record, ())
        return
    server.show_one(record["conversation"], CONVERSATION)
    server.show_one(record["participant"], PARTICIPANT)


BINDING = ("sid", "identity", "binding_type", "credential_sid", "endpoint", "date_updated")


@act.command("register-binding")
@click.argument("identity")
@click.option("--type", "binding_type", type=click.Choice(["apn", "gcm", "fcm"]), required=True)
@click.option("--address", required=True, help="The device's push token.")
@click.option(
    "--credential", "credential_sid", required=True, help="Push credential CR… (/v1/Credentials)."
)
@click.option("--service", help="ChatServiceSid (IS…), when not the default service.")
@with_server
def act_register_binding(server: Server, identity: str, **opts: Any) -> None:
    """Register IDENTITY's device for push notifications, as a client SDK does: a Binding
    (BS…) appears in /v1/Services/{IS}/Bindings."""
    service = opts["service"] or server.call("GET", "/v1/Configuration")["default_chat_service_sid"]
    params = {
        "Identity": identity,
        "BindingType": opts["binding_type"],
        "Address": opts["address"],
        "CredentialSid": opts["credential_sid"],
    }
    record = server.call("POST", f"/_hookline/Services/{segment(service)}/Bindings", params)
    server.show_one(record, BINDING)


@click.command()
@click.option("--after", type=int, default=0, show_default=True, help="Only events after seq.")
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--event", "--type", "event_type", help="Only this EventType (onMessageAdded …).")
@click.option("--conversation", help="Only this ConversationSid.")
@with_server
@wide_option
def events(server: Server, after: int, limit: int, **filters: Any) -> None:
    """List recorded events (pre and post), oldest first."""
    params = {
        "After": after,
        "Limit": limit,
        "EventType": filters["event_type"],
        "ConversationSid": filters["conversation"],
    }
    body = server.call("GET", "/_hookline/events", params)
    rows = [event | {"params": _compact(event["params"])} for event in body["events"]]
    server.show(body, rows, EVENT, narrow=EVENT_NARROW)


def _compact(params: dict[str, str]) -> str:
    """An event's own parameters, one ``Name=value`` a line (common ones left out)."""
    common = ("AccountSid", "EventType", "Source")
    return "\n".join(f"{key}={value}" for key, value in params.items() if key not in common)


@click.group()
def flows() -> None:
    """Map Studio flow SIDs (FW…) to URLs of your own (hookline has no Studio)."""


@flows.command("list")
@with_server
def flows_list(server: Server) -> None:
    """Every mapped flow and its URL."""
    body = server.call("GET", "/_hookline/flows")
    server.show(body, body["flows"], ("flow_sid", "url"))


@flows.command("map")
@click.argument("flow_sid")
@click.argument("target", metavar="URL")
@with_server
def flows_map(server: Server, flow_sid: str, target: str) -> None:
    """Send FLOW_SID's Studio events to URL."""
    body = server.call("POST", f"/_hookline/flows/{segment(flow_sid)}", {"Url": target})
    server.show_one(body, ("flow_sid", "url"))


@flows.command("unmap")
@click.argument("flow_sid")
@with_server
def flows_unmap(server: Server, flow_sid: str) -> None:
    """Forget FLOW_SID's URL (its events become undeliverable)."""
    server.call("DELETE", f"/_hookline/flows/{segment(flow_sid)}")
    server.done(f"unmapped {flow_sid}")


@click.group()
def receipts() -> None:
    """Play the carrier: report a message's delivery status for one participant."""


@receipts.command("set")
@click.argument("conversation")
@click.argument("message")
@click.option("--participant", required=True, help="MB… SID, identity or address.")
@click.option(
    "--status",
    required=True,
    type=click.Choice(["sent", "delivered", "read", "failed", "undelivered"]),
)
@click.option("--error-code", type=int, help="With failed/undelivered.")
@click.option("--service", help="ChatServiceSid (IS…), when not the default service.")
@with_server
def receipts_set(server: Server, conversation: str, message: str, **opts: Any) -> None:
    """Create or advance MESSAGE's receipt for a participant (fires onDeliveryUpdated)."""
    params = {
        "ParticipantSid": opts["participant"],
        "Status": opts["status"],
        "ErrorCode": opts["error_code"],
        "ChatServiceSid": opts["service"],
    }
    path = f"{_conv_path(conversation)}/Messages/{segment(message)}/Receipts"
    server.show_one(server.call("POST", path, params), RECEIPT)


@click.group()
def clock() -> None:
    """The server's time; move it forward on a ``serve --manual-clock`` server."""


@clock.command("show")
@with_server
def clock_show(server: Server) -> None:
    """The server's current time and whether it is a manual clock."""
    server.show_one(server.call("GET", "/_hookline/clock"), ("now", "manual"))


@clock.command("advance")
@click.argument("seconds", type=click.FloatRange(min=0))
@with_server
def clock_advance(server: Server, seconds: float) -> None:
    """Move a manual clock SECONDS forward: due timers and retries run at once."""
    body = server.call("POST", "/_hookline/clock", {"Seconds": f"{seconds:g}"})
    server.show_one(body, ("now", "manual"))
