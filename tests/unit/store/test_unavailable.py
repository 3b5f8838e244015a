"""Which driver errors the store reports as :class:`DatabaseUnavailable` (503), and which
it leaves alone (a bug stays a bug; a webhook's network error is not the database's)."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from hookline.exceptions import DatabaseUnavailable
from hookline.store import failure_reason
from hookline.store._unavailable import translating, unavailable


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.exceptions._base.InternalClientError("cannot switch to state 15"),
        sqlite3.OperationalError("database is locked"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_unreachable_database_is_unavailable(error: Exception) -> None:
    found = unavailable(error)
    assert isinstance(found, DatabaseUnavailable)
    assert (found.status, found.code) == (503, 20503)
    assert found.reason.startswith(type(error).__name__ + ": ")


def test_sqlalchemys_wrapper_is_looked_through_and_its_sql_is_not_kept() -> None:
    driver = asyncpg.AdminShutdownError("terminating connection")
    wrapped = DBAPIError("INSERT INTO messages VALUES ($1)", {"body": "secret body"}, driver)
    found = unavailable(wrapped)
    assert found is not None
    assert found.reason == "AdminShutdownError: terminating connection"
    sqlite = OperationalError(
        "SELECT 1", {"body": "secret"}, sqlite3.OperationalError("disk I/O error")
    )
    assert unavailable(sqlite) is not None


def test_network_errors_count_only_where_the_database_is_being_connected() -> None:
    refused = ConnectionRefusedError(111, "Connection refused")
    assert unavailable(refused) is None  # e.g. a webhook receiver's, inside a request
    assert unavailable(refused, network=True) is not None
    assert unavailable(TimeoutError(), network=True) is not None


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", {}, asyncpg.UniqueViolationError("duplicate key")),
        asyncpg.UndefinedTableError('relation "x" does not exist'),
        sqlite3.OperationalError("no such table: x"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        RuntimeError("a bug"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_other_errors_are_left_alone(error: Exception) -> None:
    assert unavailable(error, network=True) is None
    with pytest.raises(type(error)), translating(network=True):
        raise error


def test_translating_raises_without_the_drivers_traceback() -> None:
    with pytest.raises(DatabaseUnavailable) as raised, translating():
        raise asyncpg.CannotConnectNowError("starting up")
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_the_reason_is_one_short_line() -> None:
    found = unavailable(asyncpg.InterfaceError("connection is closed\nline two " + "x" * 500))
    assert found is not None
    assert "\n" not in found.reason and len(found.reason) <= 200


def test_failure_reason_names_the_innermost_error() -> None:
    driver = asyncpg.InvalidCatalogNameError('database "nope" does not exist')
    wrapped = DBAPIError(None, None, RuntimeError("adapter"))
    wrapped.orig.__cause__ = driver  # type: ignore[union-attr]
    assert failure_reason(wrapped) == 'InvalidCatalogNameError: database "nope" does not exist'
