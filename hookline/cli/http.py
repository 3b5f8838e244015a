"""The HTTP side of the client commands: one running server, Basic auth, Twilio errors.

Stdlib only (``urllib``), so the commands work wherever hookline is installed. Every
failure becomes a :class:`click.ClickException` (message on stderr, exit status 1).
"""

from __future__ import annotations

import base64
import functools
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

DEFAULT_URL = "http://127.0.0.1:8080"


def _message(status: int, raw: bytes) -> str:
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and "message" in body:
        return f"HTTP {status} (code {body.get('code')}): {body['message']}"
    return f"HTTP {status}: {raw.decode('utf-8', 'replace')[:300]}"


@dataclass(frozen=True)
class Server:
    url: str
    account_sid: str
    auth_token: str
    as_json: bool = False

    def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request; ``None`` values are dropped, lists become repeated keys."""
        pairs = [
            (key, str(item))
            for key, value in (params or {}).items()
            for item in (value if isinstance(value, list | tuple) else [value])
            if item is not None
        ]
        url = self.url.rstrip("/") + path
        data = None
        if pairs and method == "POST":
            data = urlencode(pairs).encode()
        elif pairs:
            url += "?" + urlencode(pairs)
        request = urllib.request.Request(url, data=data, method=method)
        token = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            raise click.ClickException(_message(error.code, error.read())) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise click.ClickException(f"cannot reach {self.url}: {reason}") from None
        if status == 204:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise click.ClickException(
                f"{self.url} answered {path} with something other than JSON: "
                "is it a hookline server?"
            ) from None

    def show(self, body: Any, rows: Iterable[Mapping[str, Any]], columns: Iterable[str]) -> None:
        """Print ``body`` as JSON with ``--json``, else ``rows`` as a table of ``columns``."""
        if self.as_json:
            click.echo(json.dumps(body, indent=2))
            return
        names = list(columns)
        table = Table()
        for name in names:
            # Fold rather than cut: a SID must stay whole to be copied.
            table.add_column(name, overflow="fold")
        for row in rows:
            table.add_row(*(_cell(row.get(name)) for name in names))
        # A console per call, so that COLUMNS is read when the command runs.
        Console().print(table)

    def show_one(self, body: Mapping[str, Any], columns: Iterable[str]) -> None:
        self.show(body, [body], columns)

    def done(self, text: str) -> None:
        if self.as_json:
            click.echo(json.dumps({"result": text}))
        else:
            # User data (names, bodies) may hold brackets: never read it as Rich markup.
            Console().print(escape(text))


def _cell(value: Any) -> Text:
    """A table cell as plain text: ``[/b]`` in a message body is shown, not interpreted."""
    if value is None:
        return Text("")
    if isinstance(value, dict | list):
        return Text(json.dumps(value))
    return Text(str(value))


def segment(value: str) -> str:
    """One URL path segment (SIDs, unique names) safely quoted."""
    return quote(value, safe="")


def with_server(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--url/--account-sid/--auth-token/--json`` and pass a :class:`Server` first."""

    @functools.wraps(func)
    def run(url: str, account_sid: str, auth_token: str, as_json: bool, **kwargs: Any) -> Any:
        return func(Server(url, account_sid, auth_token, as_json), **kwargs)

    options = [
        click.option(
            "--url",
            envvar="HOOKLINE_URL",
            default=DEFAULT_URL,
            show_default=True,
            help="Base URL of a running hookline server.",
        ),
        click.option(
            "--account-sid", envvar="HOOKLINE_ACCOUNT_SID", required=True, help="AccountSid."
        ),
        click.option("--auth-token", envvar="HOOKLINE_AUTH_TOKEN", required=True, help="Token."),
        click.option("--json", "as_json", is_flag=True, help="Print the raw JSON response."),
    ]
    wrapped: Callable[..., Any] = run
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped
