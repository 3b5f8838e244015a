"""``hookline listen``: a webhook receiver for your terminal.

It prints every request hookline (or Twilio) sends, checks ``X-Twilio-Signature`` with
twilio's own ``RequestValidator``, and answers as told, so a pre-event hook can be
rejected or modified from the command line before any real receiver exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

if TYPE_CHECKING:
    from aiohttp import web

console = Console()


def render_request(params: dict[str, str], verdict: str, method: str, path: str) -> str:
    event = params.get("EventType", "?")
    detail = " ".join(
        f"{key}={value}"
        for key, value in params.items()
        if key not in ("AccountSid", "EventType") and len(value) < 80
    )
    return f"[bold]{event}[/bold] {method} {path} {verdict}\n  [dim]{detail}[/dim]"


def make_app(
    auth_token: str | None, public_url: str | None, status: int, body: str | None
) -> web.Application:
    from aiohttp import web
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(auth_token) if auth_token else None

    async def receive(request: web.Request) -> web.Response:
        form = await request.post() if request.method == "POST" else request.query
        params = {key: str(value) for key, value in form.items()}
        base = public_url.rstrip("/") if public_url else f"{request.scheme}://{request.host}"
        url = base + request.path_qs
        signature = request.headers.get("X-Twilio-Signature", "")
        if validator is None:
            verdict = "[yellow]signature not checked (no --auth-token)[/yellow]"
        elif validator.validate(url, {} if request.method == "GET" else params, signature):
            verdict = "[green]signature valid[/green]"
        else:
            verdict = f"[red]SIGNATURE INVALID for {url}[/red]"
        console.print(render_request(params, verdict, request.method, request.path))
        return web.Response(status=status, text=body or "", content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", receive)
    return app


async def serve(app: web.Application, host: str, port: int) -> None:
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    console.print(f"listening on http://{host}:{port}/ — Ctrl-C to stop")
    try:
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


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--auth-token", envvar="HOOKLINE_AUTH_TOKEN", help="Check signatures with this AuthToken."
)
@click.option(
    "--public-url", help="The URL hookline calls, if not http://HOST:PORT (proxies, tunnels)."
)
@click.option(
    "--status",
    default=200,
    show_default=True,
    type=click.IntRange(100, 599),
    help="Answer with this status (a non-2xx rejects pre-events).",
)
@click.option("--body", callback=_check_body, help='JSON answer, e.g. \'{"body": "[redacted]"}\'.')
def listen(
    host: str, port: int, auth_token: str | None, public_url: str | None, status: int, body: Any
) -> None:
    """Receive webhooks and print them, checking each signature."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(make_app(auth_token, public_url, status, body), host, port))
