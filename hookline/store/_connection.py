"""Running statements on one connection, and turning driver errors into hookline's."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from hookline.exceptions import Duplicate
from hookline.store.tables import metadata

#: PostgreSQL's SQLSTATE for unique_violation.
_PG_UNIQUE = "23505"
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")


class Runs(Protocol):
    """What :class:`Connected` needs of a connection: SQLAlchemy's ``execute``."""

    async def execute(self, statement: Any, params: Any = ...) -> Any: ...


class Connected:
    """The base of :class:`~hookline.store.Tx`: one connection, statements run privately."""

    def __init__(self, conn: Runs) -> None:
        self._conn = conn

    async def _execute(
        self, statement: Any, params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None
    ) -> Any:
        """Run ``statement`` with bound ``params``; a list of them runs it once per item."""
        try:
            if not params:
                return await self._conn.execute(statement)
            if isinstance(params, Mapping):
                return await self._conn.execute(statement, params)
            return await self._conn.execute(statement, list(params))
        except IntegrityError as exc:
            error = translated(exc)
            if error is exc:
                raise
            raise error from exc


def translated(exc: IntegrityError) -> Exception:
    """A uniqueness violation as :class:`Duplicate` (with the constraint's name when the
    driver says it, or SQLite's columns say it); any other integrity error (a bug: NOT
    NULL and the like) is left as it is."""
    found = _pg_constraint(exc)
    if found is not None:
        unique, constraint = found
        return Duplicate(_MESSAGE, constraint=constraint) if unique else exc
    match = _SQLITE_UNIQUE.search(str(exc.orig))
    if match:
        return Duplicate(_MESSAGE, constraint=_sqlite_constraint(match.group(1)))
    return exc


_MESSAGE = "A concurrent request changed this resource first; retry the request"


def _pg_constraint(exc: IntegrityError) -> tuple[bool, str | None] | None:
    """(is it a unique violation, the constraint's name), or None if not from PostgreSQL."""
    error: BaseException | None = exc.orig
    while error is not None:
        sqlstate = getattr(error, "sqlstate", None)
        if sqlstate:
            name = getattr(error.__cause__, "constraint_name", None) or getattr(
                error, "constraint_name", None
            )
            return sqlstate == _PG_UNIQUE, name
        error = error.__cause__
    return None


def _sqlite_constraint(columns: str) -> str | None:
    """``conversations.chat_service_sid, conversations.unique_name`` → the named
    constraint over exactly those columns (None for an unnamed one such as ``sid``)."""
    parts = [part.strip().partition(".") for part in columns.split(",")]
    table = metadata.tables.get(parts[0][0])
    wanted = {column for _, _, column in parts}
    if table is None:
        return None
    for constraint in table.constraints:
        names = {column.name for column in getattr(constraint, "columns", ())}
        if names == wanted and isinstance(constraint.name, str):
            return constraint.name
    return None
