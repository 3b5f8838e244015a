"""Server commands: ``serve``, ``worker`` and ``migrate`` (docs/cli.md).

The server, the store and uvicorn are imported inside the commands, so that listing
them in ``hookline --help`` costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hookline import logs
from hookline.cli.checks import check_database, check_port_free
from hookline.cli.inbound import faults_option, serve_options
from hookline.exceptions import HooklineError
from hookline.redact import redact_url
from hookline.settings import Settings

if TYPE_CHECKING:
    from hookline.app import Started
    from hookline.domain.runtime import Runtime

console = Console()
T = TypeVar("T")


def database_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--database-url",
        envvar="HOOKLINE_DATABASE_URL",
        default=Settings.database_url,
        show_default=True,
        callback=check_database,
        help="sqlite:///file.db or postgresql://user:pass@host/db",
    )(func)


def database_wait_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--database-wait",
        envvar="HOOKLINE_DATABASE_WAIT",
        type=click.FloatRange(min=0),
        default=Settings.database_wait,
        show_default=True,
        metavar="SECONDS",
        help="Wait this long for an unreachable database at start-up (retrying), then fail.",
    )(func)


def shutdown_timeout_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--shutdown-timeout",
        envvar="HOOKLINE_SHUTDOWN_TIMEOUT",
        type=click.IntRange(min=0),
        default=Settings.shutdown_timeout,
        show_default=True,
        metavar="SECONDS",
        help="On SIGTERM, stop accepting and give work in progress this long to finish.",
    )(func)


def with_runtime(
    database_url: str, work: Callable[[Runtime], Awaitable[T]], *, wait: float = 0.0
) -> T:
    """Open the store (migrating it; waiting up to ``wait`` seconds for the database), run
    ``work`` with a runtime, close the store."""
    from hookline.cli.startup import open_when_ready
    from hookline.domain.runtime import Runtime

    async def run() -> T:
        store = await open_when_ready(database_url, wait)
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
    from hookline.delivery.engine import retry_policy

    try:
        retry_policy(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _apply(options: list[Callable[[Any], Any]], func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(options):
        func = option(func)
    return func


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
        click.option(
            "--log-format",
            envvar="HOOKLINE_LOG_FORMAT",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            help="json: one JSON object a line (time, level, logger, message, fields).",
        ),
    ]
    return _apply(options, func)


def _connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``serve``'s limits on slow, idle and too many clients (uvicorn's, plus one of ours)."""
    defaults = Settings()
    options = [
        click.option(
            "--timeout-keep-alive",
            envvar="HOOKLINE_TIMEOUT_KEEP_ALIVE",
            type=click.IntRange(min=1),
            default=defaults.timeout_keep_alive,
            show_default=True,
            help="Seconds an idle keep-alive connection stays open.",
        ),
        click.option(
            "--timeout-request-read",
            envvar="HOOKLINE_TIMEOUT_REQUEST_READ",
            type=click.FloatRange(min=0, min_open=True),
            default=defaults.timeout_request_read,
            show_default=True,
            help="Seconds a client has to send a whole request (headers and body); "
            "slower connections are closed.",
        ),
        click.option(
            "--limit-concurrency",
            envvar="HOOKLINE_LIMIT_CONCURRENCY",
            type=click.IntRange(min=0),
            default=defaults.limit_concurrency,
            show_default=True,
            help="Open connections or requests in progress beyond which requests get 503 "
            "(0: no limit).",
        ),
        click.option(
            "--max-header-bytes",
            envvar="HOOKLINE_MAX_HEADER_BYTES",
            type=click.IntRange(min=1024),
            default=defaults.max_header_bytes,
            show_default=True,
            help="Largest request line plus headers; larger requests get 400.",
        ),
    ]
    return _apply(options, func)


def _check_allowed_hosts(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    from hookline.web.origin_guard import parse_allowed_hosts

    if value is not None:
        try:
            parse_allowed_hosts(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def _process_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``serve``'s processes and the host names they answer to."""
    options = [
        click.option(
            "--workers",
            envvar="HOOKLINE_WORKERS",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="API processes sharing the port (a supervisor replaces one that dies); "
            "one of them delivers post-events, unless --no-worker (docs/operations.md).",
        ),
        click.option(
            "--allowed-hosts",
            envvar="HOOKLINE_ALLOWED_HOSTS",
            callback=_check_allowed_hosts,
            help="Host names served besides the server's own (the bound address, localhost, "
            "--public-url's host), comma-separated: *.example.com, ip (any IP address), "
            "* (any). Other Host headers get 403 (DNS rebinding).",
        ),
    ]
    return _apply(options, func)


def _settings(options: dict[str, Any]) -> Settings:
    settings = Settings.from_env()
    for key, value in options.items():
        if value is not None:
            setattr(settings, key, value)
    logs.configure(settings.log_level, settings.log_format)
    return settings


@click.command()
@click.option("--host", envvar="HOOKLINE_HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="HOOKLINE_PORT", default=8080, show_default=True, type=int)
@database_option
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
@database_wait_option
@shutdown_timeout_option
@_delivery_options
@_connection_options
@_process_options
@serve_options
def serve(**options: Any) -> None:
    """Start the server (SQLite file ./hookline.db unless --database-url says otherwise)."""
    from hookline import serving
    from hookline.app import create_app
    from hookline.cli.startup import prepare_database

    no_worker = options.pop("no_worker")
    settings = _settings(options)
    settings.worker = not no_worker
    check_port_free(settings.host, settings.port)
    prepare_database(settings.database_url, settings.database_wait)
    if settings.workers > 1:
        _serve_processes(settings)
        return
    started: list[Started] = []
    app = create_app(settings, on_start=started)

    def banner() -> None:
        if started:
            _banner(settings, started[0])

    serving.run(app, settings, after_startup=banner)


def _serve_processes(settings: Settings) -> None:
    """``serve --workers N``: the schema and the account are made ready here, once; then
    uvicorn's supervisor runs N processes, and the banner comes when all of them serve."""
    from hookline import serving
    from hookline.app import Started
    from hookline.domain import accounts

    if settings.manual_clock:
        raise click.UsageError("--manual-clock needs one process: each would keep its own clock")

    async def prepare(runtime: Runtime) -> Started:
        account = await accounts.ensure(runtime, settings.account_sid, settings.auth_token)
        return Started(account, runtime)

    started = with_runtime(settings.database_url, prepare)
    status = serving.run_processes(settings, after_startup=lambda: _banner(settings, started))
    if status:
        raise SystemExit(status)


@click.command()
@database_option
@database_wait_option
@shutdown_timeout_option
@_delivery_options
@faults_option
@click.option(
    "--metrics-port",
    envvar="HOOKLINE_METRICS_PORT",
    type=click.IntRange(1, 65535),
    help="Serve this worker's delivery metrics at http://127.0.0.1:PORT/metrics.",
)
def worker(metrics_port: int | None, **options: Any) -> None:
    """Deliver post-events (and run conversation timers) without serving HTTP.

    Run any number of these beside ``serve --no-worker`` processes on the same database:
    each delivery is claimed with a lease, so every attempt has exactly one owner.
    """
    from hookline.app import run_worker
    from hookline.cli.startup import prepare_database

    settings = _settings(options)
    prepare_database(settings.database_url, settings.database_wait)
    console.print(Text(f"hookline worker delivering from {redact_url(settings.database_url)}"))
    if metrics_port is not None:
        from hookline import metrics

        check_port_free("127.0.0.1", metrics_port)
        metrics.serve_in_thread("127.0.0.1", metrics_port)
        console.print(Text(f"metrics at http://127.0.0.1:{metrics_port}/metrics"))
    with contextlib.suppress(KeyboardInterrupt):
        run_on_fastest_loop(run_worker(settings))


def run_on_fastest_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on uvloop when it is installed (it comes with ``uvicorn[standard]``),
    as ``serve`` does through uvicorn: on asyncio's own loop a worker delivered a third
    fewer webhooks per second of CPU."""
    from hookline.delivery.thread import new_event_loop

    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(main)


def _banner(settings: Settings, started: Started) -> None:
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    table = Table(title="hookline is running", show_header=False)
    rows = {
        "Base URL": base,
        "AccountSid": started.account.sid,
        "AuthToken": started.account.auth_token,
        "Default Conversation Service": started.account.default_service_sid,
        "Database": redact_url(settings.database_url),
        "Inspector": f"{base}/_hookline/ui",
        "Metrics": f"{base}/metrics",
    }
    for name, value in rows.items():
        table.add_row(name, Text(value))
    console.print(table)
    account = started.account
    # Plain lines (no markup, no wrapping), so that they can be copied and pasted.
    console.print(
        Text(
            f"export HOOKLINE_URL={base} HOOKLINE_ACCOUNT_SID={account.sid} "
            f"HOOKLINE_AUTH_TOKEN={account.auth_token}"
        ),
        soft_wrap=True,
    )
    console.print(
        Text(f"python: hookline.client({base!r}, {account.sid!r}, {account.auth_token!r})"),
        style="dim",
        soft_wrap=True,
    )


@click.command()
@database_option
@database_wait_option
def migrate(database_url: str, database_wait: float) -> None:
    """Create or upgrade the database schema (serve and worker do this too).

    Any number of these (and of ``serve`` and ``worker``) may start at once: they migrate
    one at a time, under a lock, and only the first has anything to do."""

    async def migrated(rt: Runtime) -> bool:
        return rt.store.migrated

    if with_runtime(database_url, migrated, wait=database_wait):
        console.print("database schema migrated; it is up to date")
    else:
        console.print("schema is up to date")
