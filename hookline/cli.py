"""The ``hookline`` command: serve, migrate, accounts, deliveries, flows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
import uvicorn
from rich.console import Console
from rich.table import Table

from hookline.app import Started, create_app, run_worker
from hookline.cli_client import register as register_client_commands
from hookline.cli_listen import listen
from hookline.delivery.engine import retry_policy
from hookline.domain import accounts
from hookline.domain.runtime import Runtime
from hookline.exceptions import HooklineError
from hookline.settings import Settings
from hookline.store import open_store

console = Console()
T = TypeVar("T")


def _database_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--database-url",
        envvar="HOOKLINE_DATABASE_URL",
        default=Settings.database_url,
        show_default=True,
        help="sqlite:///file.db or postgresql://user:pass@host/db",
    )(func)


def _with_runtime(database_url: str, work: Callable[[Runtime], Awaitable[T]]) -> T:
    async def run() -> T:
        store = await open_store(database_url)
        try:
            return await work(Runtime(store=store))
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except HooklineError as exc:
        # e.g. ``accounts api-key`` for an account that does not exist: a message, exit 1.
        raise click.ClickException(exc.message) from None


def _check_retry_policy(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        retry_policy(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _delivery_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by ``serve`` and ``worker``: how post-events are delivered."""
    options = [
        click.option(
            "--retry-policy",
            envvar="HOOKLINE_RETRY_POLICY",
            default="twilio",
            show_default=True,
            callback=_check_retry_policy,
            help="twilio | durable | attempts=N,base=S,factor=F,cap=S (docs/delivery.md)",
        ),
        click.option(
            "--egress",
            envvar="HOOKLINE_EGRESS",
            type=click.Choice(["local", "public-only"]),
            default="local",
            show_default=True,
            help="public-only refuses private, loopback and reserved receiver addresses",
        ),
        click.option(
            "--retention-days",
            envvar="HOOKLINE_RETENTION_DAYS",
            default=7.0,
            type=float,
            show_default=True,
            help="Delete delivered/failed delivery records older than this",
        ),
        click.option("--log-level", envvar="HOOKLINE_LOG_LEVEL", default="info", show_default=True),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _settings(options: dict[str, Any]) -> Settings:
    settings = Settings.from_env()
    for key, value in options.items():
        if value is not None:
            setattr(settings, key, value)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return settings


@click.group()
def main() -> None:
    """hookline: a Twilio-compatible Conversations server that delivers webhooks."""


@main.command()
@click.option("--host", envvar="HOOKLINE_HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="HOOKLINE_PORT", default=8080, show_default=True, type=int)
@_database_option
@click.option("--public-url", envvar="HOOKLINE_PUBLIC_URL", help="URL clients use (links).")
@click.option("--account-sid", envvar="HOOKLINE_ACCOUNT_SID", help="Fixed AccountSid (CI).")
@click.option("--auth-token", envvar="HOOKLINE_AUTH_TOKEN", help="Fixed AuthToken (CI).")
@click.option("--no-worker", is_flag=True, help="Do not deliver post-events in this process.")
@click.option(
    "--manual-clock",
    is_flag=True,
    default=None,
    help="Stop time; move it with POST /_hookline/clock (testing timers and retries).",
)
@_delivery_options
def serve(**options: Any) -> None:
    """Start the server (SQLite file ./hookline.db unless --database-url says otherwise)."""
    no_worker = options.pop("no_worker")
    settings = _settings(options)
    settings.worker = not no_worker
    started: list[Started] = []
    app = create_app(settings, on_start=started)

    class Banner(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if started:
                _banner(settings, started[0])

    Banner(
        uvicorn.Config(
            app, host=settings.host, port=settings.port, log_level=settings.log_level.lower()
        )
    ).run()


@main.command()
@_database_option
@_delivery_options
def worker(**options: Any) -> None:
    """Deliver post-events (and run conversation timers) without serving HTTP.

    Run any number of these beside ``serve --no-worker`` processes on the same database:
    each delivery is claimed with a lease, so every attempt has exactly one owner.
    """
    settings = _settings(options)
    console.print(f"hookline worker delivering from {settings.database_url}")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(settings))


def _banner(settings: Settings, started: Started) -> None:
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    table = Table(title="hookline is running", show_header=False)
    table.add_row("Base URL", base)
    table.add_row("AccountSid", started.account.sid)
    table.add_row("AuthToken", started.account.auth_token)
    table.add_row("Default Conversation Service", started.account.default_service_sid)
    table.add_row("Database", settings.database_url)
    console.print(table)
    console.print(
        f"[dim]python: hookline.client({base!r}, {started.account.sid!r}, "
        f"{started.account.auth_token!r})[/dim]"
    )


@main.command()
@_database_option
def migrate(database_url: str) -> None:
    """Create or upgrade the database schema (serve does this too)."""
    _with_runtime(database_url, lambda rt: asyncio.sleep(0))
    console.print("schema is up to date")


@main.group("accounts")
def accounts_group() -> None:
    """Create and list accounts (each fully isolated)."""


@accounts_group.command("create")
@_database_option
@click.option("--friendly-name", default="hookline", show_default=True)
def accounts_create(database_url: str, friendly_name: str) -> None:
    account = _with_runtime(
        database_url, lambda rt: accounts.create(rt, friendly_name=friendly_name)
    )
    console.print(
        f"AccountSid   {account.sid}\nAuthToken    {account.auth_token}\n"
        f"Service      {account.default_service_sid}"
    )


@accounts_group.command("list")
@_database_option
def accounts_list(database_url: str) -> None:
    table = Table("AccountSid", "AuthToken", "Default service", "Name")
    for account in _with_runtime(database_url, accounts.all_accounts):
        table.add_row(
            account.sid, account.auth_token, account.default_service_sid, account.friendly_name
        )
    console.print(table)


@accounts_group.command("api-key")
@_database_option
@click.argument("account_sid")
def accounts_api_key(database_url: str, account_sid: str) -> None:
    """Create an API key (SK…) and secret for ACCOUNT_SID."""
    key = _with_runtime(database_url, lambda rt: accounts.create_api_key(rt, account_sid))
    console.print(f"ApiKeySid {key.sid}\nSecret    {key.secret}")


register_client_commands(main)
main.add_command(listen)
