"""Start-up checks of the server commands: a clear message instead of a traceback."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import click

from hookline.redact import redact_url


def database_problem(url: str) -> str | None:
    """Why hookline cannot use database ``url``, or None: an unsupported kind of database,
    or an SQLite file that cannot be created or written."""
    scheme = url.partition(":")[0].lower()
    if scheme in ("postgresql", "postgres", "postgresql+asyncpg"):
        return None
    if scheme != "sqlite":
        return (
            f"unsupported database URL {redact_url(url)}: hookline stores in SQLite "
            "(sqlite:///file.db) or PostgreSQL (postgresql://user:pass@host/db)"
        )
    path = url.partition("sqlite:///")[2].partition("?")[0]
    if not path or path == ":memory:":
        return None
    file = Path(path)
    directory = file.parent if file.parent != Path("") else Path(".")
    if file.is_dir():
        return f"cannot use database file {file}: it is a directory"
    if file.exists():
        writable = os.access(file, os.W_OK) and os.access(directory, os.W_OK)
    else:
        writable = directory.is_dir() and os.access(directory, os.W_OK)
    if not writable:
        where = "no such directory" if not directory.is_dir() else "not writable"
        return f"cannot use database file {file}: {where}"
    return None


class ConfigurationError(click.ClickException):
    """A start-up mistake: ``Error: …`` on one line (not click's usage block), exit 2."""

    exit_code = 2


def check_database(ctx: click.Context, param: click.Parameter, value: str) -> str:
    problem = database_problem(value)
    if problem is not None:
        raise ConfigurationError(problem)
    return value


def check_port_free(host: str, port: int) -> None:
    """Fail with a message, before anything starts, when ``host:port`` cannot be bound."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by a previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            hint = " (is another hookline running? pick another --port)"
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {exc.strerror}{hint}"
            ) from None
