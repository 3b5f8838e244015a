"""``hookline listen``: a webhook receiver for your terminal.

It prints every request hookline (or Twilio) sends, checks ``X-Twilio-Signature`` with
twilio's own ``RequestValidator``, and answers as told, so a pre-event hook can be
rejected or modified from the command line before any real receiver exists. With
``--forward-to`` it relays each request to your app and answers with the app's reply;
with ``--configure`` it first points the account's global webhooks at itself; with
``--sink`` it creates an Event Streams webhook sink pointing at itself and a subscription
to every Conversations event type, and prints the CloudEvents that arrive (JSON bodies,
signature checked on twilio's ``bodySHA256`` path).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.markup import escape

from hookline.cli.http import DEFAULT_URL, Server

if TYPE_CHECKING:
    from aiohttp import ClientSession, web

console = Console()
#: Request headers not relayed to the app (aiohttp sets its own for the new request).
HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def render_request(params: dict[str, str], verdict: str, method: str, path: str) -> str:
    """One received request as Rich markup: ``verdict`` is markup, everything else is the
    sender's data and is escaped (a body ``[/b]`` must print, not raise MarkupError)."""
    event = params.get("EventType", "?")
    detail = " ".join(
        f"{key}={value}"
        for key, value in params.items()
        if key not in ("AccountSid", "EventType") and len(value) < 80
    )
    return (
        f"[bold]{escape(event)}[/bold] {escape(method)} {escape(path)} {verdict}\n"
        f"  [dim]{escape(detail)}[/dim]"
    )


def render_cloudevents(raw: bytes, verdict: str, method: str, path: str) -> str:
    """An Event Streams request (a CloudEvent or an array of them) as Rich markup; the
    sender's data escaped."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return f"[bold]?[/bold] {escape(method)} {escape(path)} {verdict}\n  [dim]not JSON[/dim]"
    events = parsed if isinstance(parsed, list) else [parsed]
    lines = []
    for event in events:
        if not isinstance(event, dict):
            continue
        found = event.get("data")
        data: dict[str, Any] = found if isinstance(found, dict) else {}
        detail = " ".join(f"{key}={value}" for key, value in data.items() if len(str(value)) < 80)
        lines.append(
            f"[bold]{escape(str(event.get('type', '?')))}[/bold] {escape(method)} "
            f"{escape(path)} {verdict}\n  [dim]id={escape(str(event.get('id')))} "
            f"{escape(detail)}[/dim]"
        )
    return "\n".join(lines) or f"[bold]?[/bold] {escape(method)} {escape(path)} {verdict}"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str


@dataclass(frozen=True)
class Answering:
    """How the listener answers: a fixed reply, or the reply of the app at ``forward_to``."""

    status: int = 200
    body: str | None = None
    forward_to: str | None = None


async def _forward(
    session: ClientSession, target: str, request: web.Request, raw: bytes, signature: str | None
) -> Reply:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    url = target + (f"?{request.query_string}" if request.query_string else "")
    async with session.request(request.method, url, data=raw, headers=headers) as answer:
        body = await answer.read()
        return Reply(answer.status, body, answer.content_type or "text/plain")


def _describe(reply: Reply) -> str:
    text = reply.body.decode("utf-8", "replace")
    shown = text if len(text) <= 300 else text[:300] + "…"
    return f"  [cyan]app answered {reply.status}[/cyan] {escape(shown)}"


def make_app(
    auth_token: str | None,
    public_url: str | None,
    status: int,
    body: str | None,
    forward_to: str | None = None,
) -> web.Application:
    from aiohttp import ClientError, ClientSession, ClientTimeout, web
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(auth_token) if auth_token else None
    answering = Answering(status, body, forward_to)
    sessions: list[ClientSession] = []

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        is_json = "json" in request.content_type
        form = await request.post() if request.method == "POST" and not is_json else request.query
        params = {key: str(value) for key, value in form.items()}
        base = public_url.rstrip("/") if public_url else f"{request.scheme}://{request.host}"
        url = base + request.path_qs
        signed: dict[str, str] | str = {} if request.method == "GET" else params
        if is_json:
            signed = raw.decode("utf-8", "replace")  # Event Streams: checked via bodySHA256
        signature = request.headers.get("X-Twilio-Signature", "")
        if validator is None:
            verdict = "[yellow]signature not checked (no --auth-token)[/yellow]"
        elif validator.validate(url, signed, signature):
            verdict = "[green]signature valid[/green]"
        else:
            verdict = f"[red]SIGNATURE INVALID for {escape(url)}[/red]"
        if is_json:
            console.print(render_cloudevents(raw, verdict, request.method, request.path))
        else:
            console.print(render_request(params, verdict, request.method, request.path))
        if answering.forward_to is None:
            return web.Response(
                status=answering.status, text=answering.body or "", content_type="application/json"
            )
        target = answering.forward_to
        # Re-signed for the app's URL, so that its own RequestValidator accepts the request.
        resigned = None
        if validator is not None:
            query = f"?{request.query_string}" if request.query_string else ""
            # JSON (Event Streams): the URL alone is signed, its bodySHA256 still holds.
            form_params = signed if isinstance(signed, dict) else {}
            resigned = validator.compute_signature(target + query, form_params)
        if not sessions:
            sessions.append(ClientSession(timeout=ClientTimeout(total=30)))
        try:
            reply = await _forward(sessions[0], target, request, raw, resigned)
        except (ClientError, OSError, TimeoutError) as exc:
            console.print(f"  [red]cannot reach {escape(target)}: {escape(str(exc))}[/red]")
            return web.Response(status=502, text=f"hookline listen: cannot reach {target}")
        console.print(_describe(reply))
        response = web.Response(status=reply.status, body=reply.body)
        response.headers["Content-Type"] = reply.content_type
        return response

    async def close_sessions(app: web.Application) -> None:
        for session in sessions:
            await session.close()

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", receive)
    app.on_cleanup.append(close_sessions)
    return app


async def serve(
    app: web.Application, host: str, port: int, on_listening: Callable[[int], str]
) -> None:
    """Serve ``app`` until cancelled; once the port is bound, ``on_listening`` gets the
    port really bound (``--port 0``: the one the system chose) and returns the line to print."""
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    try:
        bound = int(runner.addresses[0][1]) if runner.addresses else port
        console.print(escape(on_listening(bound)))
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def _check_body(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        json.loads(value)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}") from None
    return value


def _check_url(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is not None and urlsplit(value).scheme not in ("http", "https"):
        raise click.BadParameter("must be an http:// or https:// URL")
    return value


def configure_webhooks(server: Server, listener_url: str) -> None:
    """Point the account's global pre- and post-event webhooks, every filter, at the listener."""
    from hookline.domain.events import ALL_EVENTS

    params = {
        "PreWebhookUrl": listener_url,
        "PostWebhookUrl": listener_url,
        "Method": "POST",
        "Filters": sorted(ALL_EVENTS),
    }
    server.call("POST", "/v1/Configuration/Webhooks", params)
    console.print(
        f"global webhooks (pre and post, all {len(ALL_EVENTS)} events) → {escape(listener_url)}"
    )


def configure_sink(server: Server, listener_url: str) -> None:
    """Create an Event Streams webhook sink at the listener and subscribe it to every
    Conversations event type (each in its latest schema version)."""
    from hookline.domain.stream_types import EVENT_TYPES

    sink = server.call(
        "POST",
        "/v1/Sinks",
        {
            "Description": "hookline listen",
            "SinkType": "webhook",
            "SinkConfiguration": json.dumps({"destination": listener_url, "method": "POST"}),
        },
    )
    types = [kind for kind in EVENT_TYPES if kind.emitted]
    entries = [
        json.dumps({"type": kind.type, "schema_version": kind.latest_version}) for kind in types
    ]
    subscription = server.call(
        "POST",
        "/v1/Subscriptions",
        {"Description": "hookline listen", "SinkSid": sink["sid"], "Types": entries},
    )
    console.print(
        f"Event Streams sink {escape(sink['sid'])} → {escape(listener_url)}, subscription "
        f"{escape(subscription['sid'])} to all {len(types)} Conversations event types"
    )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    default=5000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0: any free port (the one chosen is printed).",
)
@click.option(
    "--auth-token", envvar="HOOKLINE_AUTH_TOKEN", help="Check signatures with this AuthToken."
)
@click.option(
    "--public-url",
    callback=_check_url,
    help="The URL hookline calls, if not http://HOST:PORT (proxies, tunnels).",
)
@click.option(
    "--status",
    default=200,
    show_default=True,
    type=click.IntRange(100, 599),
    help="Answer with this status (a non-2xx rejects pre-events).",
)
@click.option("--body", callback=_check_body, help='JSON answer, e.g. \'{"body": "[redacted]"}\'.')
@click.option(
    "--forward-to",
    callback=_check_url,
    help="Relay every request to this URL and answer with its reply (--status/--body unused).",
)
@click.option(
    "--configure",
    is_flag=True,
    help="First point the account's global webhooks (pre, post, all filters) here.",
)
@click.option(
    "--sink",
    is_flag=True,
    help="First create an Event Streams sink here, subscribed to every Conversations type.",
)
@click.option("--url", envvar="HOOKLINE_URL", default=DEFAULT_URL, show_default=True)
@click.option("--account-sid", envvar="HOOKLINE_ACCOUNT_SID", help="For --configure, --sink.")
def listen(
    host: str,
    port: int,
    auth_token: str | None,
    public_url: str | None,
    status: int,
    body: Any,
    forward_to: str | None,
    configure: bool,
    sink: bool,
    url: str,
    account_sid: str | None,
) -> None:
    """Receive webhooks (and Event Streams CloudEvents) and print them, checking each
    signature (--port 0: any free port, printed once bound)."""
    if (configure or sink) and not (account_sid and auth_token):
        raise click.UsageError(
            f"{'--configure' if configure else '--sink'} needs --account-sid and --auth-token "
            "(or HOOKLINE_ACCOUNT_SID and HOOKLINE_AUTH_TOKEN)"
        )

    def on_listening(bound: int) -> str:
        listener_url = public_url or f"http://{host}:{bound}/"
        if account_sid and auth_token:
            if configure:
                configure_webhooks(Server(url, account_sid, auth_token), listener_url)
            if sink:
                configure_sink(Server(url, account_sid, auth_token), listener_url)
        ready = f"listening on {listener_url}"
        if forward_to:
            ready += f", forwarding to {forward_to}"
        return ready + " — Ctrl-C to stop"

    app = make_app(auth_token, public_url, status, body, forward_to)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(app, host, port, on_listening))
