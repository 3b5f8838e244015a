"""The HTTP side of the client commands: one running server, Basic auth, Twilio errors.

Stdlib only (``urllib``), so the commands work wherever hookline is installed. Every
failure becomes a :class:`click.ClickException` (message on stderr, exit status 1).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

DEFAULT_URL = "http://127.0.0.1:8080"
#: Terminals narrower than this get a table's narrow columns (``--wide``: all of them).
WIDE_ENOUGH = 120
#: Columns never folded (a SID to copy, an event name to read); the others give way.
KEEP_WHOLE = frozenset({"sid", "event_type"})
#: ``--wide``'s line length limit (a table takes only the width it needs).
WIDE_LINE = 1000
#: Where the credentials come from, option and environment variable, for the messages.
CREDENTIALS = (
    ("--account-sid", "HOOKLINE_ACCOUNT_SID"),
    ("--auth-token", "HOOKLINE_AUTH_TOKEN"),
)
BANNER_HINT = (
    "`hookline serve` prints them in its banner: paste its line "
    "`export HOOKLINE_URL=… HOOKLINE_ACCOUNT_SID=AC… HOOKLINE_AUTH_TOKEN=…` into this shell"
)


def _refused(url: str, account_sid: str) -> str:
    """A 401 in words: which credentials were refused and where they come from (the
    server's Twilio text, "Authenticate", names neither the variables nor the banner)."""
    return (
        f"{url} refused the credentials (HTTP 401, code 20003): no account {account_sid} "
        "with that Auth Token there. Check HOOKLINE_ACCOUNT_SID and HOOKLINE_AUTH_TOKEN "
        f"(or --account-sid/--auth-token); {BANNER_HINT}"
    )


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
    #: ``--wide``: every column of a table, whatever the terminal's width.
    wide: bool = False

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
            if error.code == 401:
                raise click.ClickException(_refused(self.url, self.account_sid)) from None
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

    def show(
        self,
        body: Any,
        rows: Iterable[Mapping[str, Any]],
        columns: Iterable[str],
        narrow: Iterable[str] | None = None,
    ) -> None:
        """Print ``body`` as JSON with ``--json``, else ``rows`` as a table of ``columns``
        (only the ``narrow`` ones in a terminal under :data:`WIDE_ENOUGH` columns, unless
        ``--wide``)."""
        if self.as_json:
            click.echo(json.dumps(body, indent=2))
            return
        # A console per call, so that COLUMNS is read when the command runs. ``--wide``
        # lines are as long as the table needs: no cell folded, every SID whole.
        console = Console(width=WIDE_LINE) if self.wide else Console()
        names = list(columns)
        if narrow is not None and not self.wide and console.width < WIDE_ENOUGH:
            names = list(narrow)
            click.echo("(narrow terminal: some columns left out; --wide shows all)", err=True)
        table = _table()
        for name in names:
            # A SID stays whole on its line, to be copied; other cells fold, never cut.
            whole = name in KEEP_WHOLE or name.endswith("_sid")
            table.add_column(name, overflow="fold", no_wrap=whole)
        for row in rows:
            table.add_row(*(_cell(row.get(name)) for name in names))
        console.print(table)

    def show_one(self, body: Mapping[str, Any], columns: Iterable[str]) -> None:
        """One record, a line per field (fits any terminal; ``--json`` prints it whole)."""
        if self.as_json:
            click.echo(json.dumps(body, indent=2))
            return
        table = _table()
        table.add_column("field", no_wrap=True)
        table.add_column("value", overflow="fold")
        for name in columns:
            table.add_row(Text(name), _cell(body.get(name)))
        Console().print(table)

    def done(self, text: str) -> None:
        if self.as_json:
            click.echo(json.dumps({"result": text}))
        else:
            # User data (names, bodies) may hold brackets: never read it as Rich markup.
            Console().print(escape(text))


def _table() -> Table:
    """A table without outer edges (four columns more for the data in 80 columns)."""
    return Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)


def _cell(value: Any) -> Text:
    """A table cell as plain text: ``[/b]`` in a message body is shown, not interpreted.
    A list of names is joined with ", " so that it wraps between names."""
    if value is None:
        return Text("")
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return Text(", ".join(value))
    if isinstance(value, dict | list):
        return Text(json.dumps(value))
    return Text(str(value))


def segment(value: str) -> str:
    """One URL path segment (SIDs, unique names) safely quoted."""
    return quote(value, safe="")


def with_server(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--url/--account-sid/--auth-token/--json`` and pass a :class:`Server` first."""

    @functools.wraps(func)
    def run(
        url: str, account_sid: str | None, auth_token: str | None, as_json: bool, **kwargs: Any
    ) -> Any:
        if not account_sid or not auth_token:
            ctx = click.get_current_context()
            from_default = ctx.get_parameter_source("url") == click.core.ParameterSource.DEFAULT
            absent = [
                f"{env} (or {option})"
                for (option, env), value in zip(CREDENTIALS, (account_sid, auth_token), strict=True)
                if not value
            ]
            where = f"; HOOKLINE_URL is not set either (using {DEFAULT_URL})"
            where = where if from_default else ""
            raise click.UsageError(f"missing {' and '.join(absent)}{where}. {BANNER_HINT}")
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
            "--account-sid",
            envvar="HOOKLINE_ACCOUNT_SID",
            help="AccountSid (AC…), as the serve banner prints it.",
        ),
        click.option(
            "--auth-token",
            envvar="HOOKLINE_AUTH_TOKEN",
            help="The account's Auth Token, as the serve banner prints it.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the raw JSON response."),
    ]
    wrapped: Callable[..., Any] = run
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


def wide_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--wide``: a table command shows every column in any terminal. Goes below
    ``@with_server`` (nearer the function): it marks the :class:`Server` passed in."""

    @functools.wraps(func)
    def run(server: Server, *args: Any, wide: bool, **kwargs: Any) -> Any:
        return func(dataclasses.replace(server, wide=wide), *args, **kwargs)

    option = click.option("--wide", is_flag=True, help="Every column, however narrow the terminal.")
    return option(run)
