"""Which driver errors mean "the database cannot be reached", as :class:`DatabaseUnavailable`.

A stopped or restarting PostgreSQL shows up in several shapes: a refused connection
(``OSError``) when the pool connects, ``CannotConnectNowError`` while it starts or stops,
``AdminShutdownError`` or a closed connection in the middle of a statement, and too many
clients. A locked or vanished SQLite file is the same condition for SQLite. Each becomes
:class:`~hookline.exceptions.DatabaseUnavailable` with a one-line reason; anything else
(a bug, a constraint) is left as it is.

The reason names the driver's error and its message only: connection errors never carry
SQL or parameters, and SQLAlchemy's wrapper (which renders both) is looked through.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator

import asyncpg
from sqlalchemy.exc import DBAPIError

from hookline.exceptions import DatabaseUnavailable

#: PostgreSQL errors of an unreachable or unwilling server: connection exceptions (08…),
#: operator intervention (57P01 shutdown, 57P02 crash, 57P03 starting up) and
#: insufficient resources (53…: too many connections, disk full).
_PG_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.InsufficientResourcesError,
    # The protocol's state broken by a connection cut in the middle of an operation (seen
    # at COMMIT when PostgreSQL stopped: "cannot switch to state 15; another operation is
    # in progress").
    asyncpg.exceptions._base.InternalClientError,
)
#: sqlite3's messages for a file that cannot be used right now.
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error")


def reason(error: BaseException) -> str:
    """``TypeName: message`` on one line, at most 200 characters."""
    text = " ".join(str(error).split()) or "no detail"
    return f"{type(error).__name__}: {text}"[:200]


def failure_reason(error: BaseException) -> str:
    """What the driver said, one line: the innermost error ``error`` wraps."""
    *_, innermost = _causes(error)
    return reason(innermost)


def unavailable(error: BaseException, *, network: bool = False) -> DatabaseUnavailable | None:
    """``error`` as :class:`DatabaseUnavailable`, or None when it means something else.

    ``network``: the error came from opening a connection, where an ``OSError`` (refused,
    reset, no route, unknown host) or a timeout is the database's, not a webhook's."""
    for cause in _causes(error):
        if isinstance(cause, _PG_UNAVAILABLE) or (
            network and isinstance(cause, OSError | TimeoutError)
        ):
            return DatabaseUnavailable(reason(cause))
        # A connection the server closed, used again (not asyncpg's other interface
        # errors, such as one connection used by two operations at once: a bug).
        if isinstance(cause, asyncpg.InterfaceError) and "closed" in str(cause):
            return DatabaseUnavailable(reason(cause))
        if isinstance(cause, sqlite3.OperationalError) and str(cause).lower().startswith(
            _SQLITE_UNAVAILABLE
        ):
            return DatabaseUnavailable(reason(cause))
    return None


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error``, then what it wraps: SQLAlchemy's ``orig`` (its asyncpg adaptation wraps
    the driver's error once more, as ``__cause__``)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        wrapped = current.orig if isinstance(current, DBAPIError) else None
        current = wrapped if isinstance(wrapped, BaseException) else current.__cause__


@contextlib.contextmanager
def translating(*, network: bool = False) -> Iterator[None]:
    """Raise :class:`DatabaseUnavailable` in place of an unreachable database's error."""
    try:
        yield
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        error = unavailable(exc, network=network)
        if error is None:
            raise
        raise error from None


class _DriverLogs(logging.Filter):
    """asyncpg's pool logs a traceback each time it fails to reconnect its idle floor
    while the database is down: one line with the reason instead (a known condition)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        known = unavailable(error, network=True) if error is not None else None
        if known is not None:
            record.msg = f"{record.getMessage()}: database unavailable ({known.reason})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


logging.getLogger("asyncpg.pool").addFilter(_DriverLogs())
