"""SQLite statements run straight on the driver, skipping SQLAlchemy's per-call work
(see ``_plans``): on SQLite a statement's own cost is a few microseconds, SQLAlchemy's
execution path ten times that, the largest share of a message create's CPU."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from hookline.store._plans import Plans, Rows, rows, values


class FastSqlite:
    """Runs the store's planned statements on a connection's ``sqlite3`` driver."""

    def __init__(self, dialect: Dialect) -> None:
        self._plans = Plans(dialect)

    def run(
        self,
        conn: Connection,
        statement: Any,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    ) -> Rows | None:
        """The statement's result, or None when it must go through SQLAlchemy."""
        call = self._plans.for_call(statement, params)
        if call is None:
            if isinstance(params, Mapping) and self._plans.expands(statement, frozenset(params)):
                return self._expanded(conn, statement, params)
            return None
        plan, batch, many = call
        cursor = _cursor(conn)
        try:
            if many:
                cursor.executemany(plan.sql, [values(plan, row) for row in batch])
                return Rows([], cursor.rowcount)
            cursor.execute(plan.sql, values(plan, batch[0]))
            found = rows(plan, cursor.fetchall()) if plan.returns_rows else []
            return Rows(found, cursor.rowcount)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(plan.sql, params, exc, sqlite3.Error) from exc
        finally:
            cursor.close()

    def _expanded(self, conn: Connection, statement: Any, params: Mapping[str, Any]) -> Rows | None:
        """A built-once statement with an expanding IN list (the worker's claim queries)."""
        try:
            sql, args, plan = self._plans.expanded(statement, params)
        except ValueError:
            return None  # SQLAlchemy's execution context has to fill something in
        cursor = _cursor(conn)
        try:
            cursor.execute(sql, args)
            found = rows(plan, cursor.fetchall()) if plan is not None else []
            return Rows(found, cursor.rowcount)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(sql, params, exc, sqlite3.Error) from exc
        finally:
            cursor.close()


def _cursor(conn: Connection) -> sqlite3.Cursor:
    """A cursor on the driver connection, in the transaction SQLAlchemy would begin."""
    if not conn.in_transaction():
        conn.begin()  # as SQLAlchemy's autobegin would (the store's BEGIN listener runs)
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw.cursor()  # type: ignore[no-any-return]
