"""Statements compiled once to a driver's SQL, for the store's raw-driver paths.

The store's hot statements are built once (``functools.cache`` in ``_queries``) and run
with separate parameters. SQLAlchemy's execution path (cache-key lookup, execution
context, events, result metadata) costs ten times a statement's own work on SQLite and
more than the round trip on asyncpg; here each statement is compiled once per parameter
shape, with the dialect's own bind and result processors, so the drivers can run it
directly (``_sqlite_fast``, ``_pg_fast``). A statement seen only once (built per call)
is left to SQLAlchemy, whose cache keys it by structure, and so is anything this cannot
reproduce exactly (expanding IN lists, defaults computed at execution).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InvalidRequestError

#: Parameter-name sets kept per statement (the store passes one or two per statement).
MAX_SHAPES = 512


class Row(tuple):  # type: ignore[type-arg]
    """A result row by position, by column name (attribute) and as ``_mapping``."""

    _keys: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        try:
            return self[self._keys[name]]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def _mapping(self) -> dict[str, Any]:
        return {name: self[index] for name, index in self._keys.items()}


class Plan(NamedTuple):
    sql: str
    names: tuple[str, ...]
    #: Values for parameters the caller does not pass (literals compiled to binds).
    fixed: dict[str, Any]
    binds: dict[str, Callable[[Any], Any]]
    columns: tuple[str, ...]
    results: tuple[Callable[[Any], Any] | None, ...]
    returns_rows: bool
    row: type[Row]


class Rows:
    """The part of SQLAlchemy's ``Result`` the store's methods use."""

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)

    def first(self) -> Row | None:
        return self._rows[0] if self._rows else None

    def all(self) -> list[Row]:
        return list(self._rows)

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            raise ValueError(f"expected exactly one row, got {len(self._rows)}")
        return self._rows[0][0]

    def scalar_one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise ValueError(f"expected at most one row, got {len(self._rows)}")
        return self._rows[0][0] if self._rows else None


UNSUPPORTED = object()
#: A statement with an expanding IN list: SQL per list length (:meth:`Plans.expanded`).
EXPANDING = object()


class Plans:
    """Compiled plans for one dialect, by statement (held weakly) and parameter names."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        #: Plans by statement (held weakly) and parameter names.
        self._plans: weakref.WeakKeyDictionary[Any, dict[frozenset[str], Plan | object]] = (
            weakref.WeakKeyDictionary()
        )
        self._row_classes: dict[tuple[str, ...], type[Row]] = {}
        #: Compiled statements for :meth:`expanded`, with their result plan (or None).
        self._compiled: weakref.WeakKeyDictionary[Any, dict[frozenset[str], Any]] = (
            weakref.WeakKeyDictionary()
        )
        #: Statements run once so far: one built per call is never compiled here.
        self._seen: weakref.WeakSet[Any] = weakref.WeakSet()

    def for_call(
        self, statement: Any, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> tuple[Plan, list[Mapping[str, Any]], bool] | None:
        """(plan, parameter rows, is it many) to run ``statement`` with ``params`` (one
        mapping, or a list of them run as one batch), or None: leave it to SQLAlchemy."""
        many = not isinstance(params, Mapping)
        batch: list[Mapping[str, Any]] = list(params) if many else [params]  # type: ignore[list-item,arg-type]
        if not batch:
            return None
        shape = frozenset(batch[0])
        plan = self.plan(statement, shape)
        if plan is None or (many and plan.returns_rows):
            return None
        if many and any(frozenset(row) != shape for row in batch):
            return None
        return plan, batch, many

    def result_plan(self, keys: dict[str, int], processors: list[Any]) -> Plan:
        """A plan for reading rows only (a statement compiled per call): its row class is
        kept per column list, building one is slower than the rows it reads."""
        columns = tuple(keys)
        row = self._row_classes.get(columns)
        if row is None:
            row = self._row_classes[columns] = type("Row", (Row,), {"_keys": keys})
        return Plan("", (), {}, {}, columns, tuple(processors), True, row)

    def expands(self, statement: Any, names: frozenset[str]) -> bool:
        """Whether ``statement`` is a built-once one with an expanding IN list."""
        shapes = self._plans.get(statement)
        return shapes is not None and shapes.get(names) is EXPANDING

    def expanded(self, statement: Any, params: Mapping[str, Any]) -> tuple[str, list[Any], Any]:
        """(SQL, positional values, result plan or None) for ``statement`` with ``params``:
        compiled once per parameter names (kept while the statement lives), its expanding
        IN lists rendered for these values. Raises ValueError if a value only SQLAlchemy's
        execution context could compute is missing."""
        shapes = self._compiled.setdefault(statement, {})
        names = frozenset(params)
        entry = shapes.get(names)
        if entry is None:
            entry = self._compile_any(statement, names)
            if len(shapes) < MAX_SHAPES:
                shapes[names] = entry
        compiled, results = entry
        given = dict(params)
        for name, bind in compiled.binds.items():
            if name not in given and not bind.expanding:
                known, value = fixed_value(statement, name, bind)
                if not known:
                    raise ValueError(f"no value for the parameter {name!r} of {statement}")
                given[name] = value
        state = compiled.construct_expanded_state(given)
        # The state lists processors of expanded parameters only; the rest are compiled's.
        processors = {**compiled._bind_processors, **state.processors}
        args = []
        for name in state.positiontup or ():
            value = state.parameters[name]
            process = processors.get(name)
            args.append(process(value) if process is not None else value)
        return state.statement, args, results

    def _compile_any(self, statement: Any, names: frozenset[str]) -> tuple[Any, Plan | None]:
        is_dml = getattr(statement, "is_dml", False)
        compiled = statement.compile(
            dialect=self._dialect, column_keys=sorted(names) if is_dml else None
        )
        entries = compiled._result_columns
        if not entries:
            return compiled, None
        converters = [result_processor(self._dialect, entry.type) for entry in entries]
        if any(convert is UNSUPPORTED for convert in converters):
            raise ValueError(f"a result column of {statement} needs its type code")
        keys = {entry.keyname: index for index, entry in enumerate(entries)}
        return compiled, self.result_plan(keys, converters)

    def plan(self, statement: Any, names: frozenset[str]) -> Plan | None:
        """The plan to run ``statement`` with parameters ``names``, or None: SQLAlchemy's."""
        shapes = self._plans.get(statement)
        if shapes is None:
            if statement not in self._seen:
                self._seen.add(statement)
                return None
            shapes = self._plans[statement] = {}
        found = shapes.get(names)
        if found is None and len(shapes) < MAX_SHAPES:
            found = shapes[names] = self._compile(statement, names)
        return found if isinstance(found, Plan) else None

    def _compile(self, statement: Any, names: frozenset[str]) -> Plan | object:
        is_dml = getattr(statement, "is_dml", False)
        # An INSERT without RETURNING of its own is compiled as for executemany: compiled
        # for one row, PostgreSQL's adds ``RETURNING seq`` (SQLAlchemy's implicit returning
        # of the new key, which the store never reads), and a plan that returns rows cannot
        # run as one batch: each row of a batch became a statement of its own.
        plain_insert = bool(getattr(statement, "is_insert", False)) and not statement._returning
        try:
            compiled = statement.compile(
                dialect=self._dialect,
                column_keys=sorted(names) if is_dml else None,
                for_executemany=plain_insert,
            )
        except Exception:  # e.g. keys SQLAlchemy would reject: it will say so itself
            return UNSUPPORTED
        order = tuple(compiled.positiontup or ())
        if not names <= set(order):
            return UNSUPPORTED  # a parameter SQLAlchemy would reject or use otherwise
        fixed: dict[str, Any] = {}
        for name in order:
            bind = compiled.binds.get(name)
            if bind is None:
                return UNSUPPORTED
            if bind.expanding:
                return EXPANDING
            if name not in names:
                known, value = fixed_value(statement, name, bind)
                if not known:
                    return UNSUPPORTED  # a value only SQLAlchemy's context computes
                fixed[name] = value
        entries = compiled._result_columns
        results = [result_processor(self._dialect, entry.type) for entry in entries]
        if any(process is UNSUPPORTED for process in results):
            return UNSUPPORTED
        columns = tuple(entry.keyname for entry in entries)
        keys = {name: index for index, name in enumerate(columns)}
        return Plan(
            sql=compiled.string,
            names=order,
            fixed=fixed,
            binds=dict(compiled._bind_processors),
            columns=columns,
            results=tuple(results),
            returns_rows=bool(entries),
            row=type("Row", (Row,), {"_keys": keys}),
        )


def result_processor(dialect: Dialect, type_: Any) -> Any:
    """The dialect's converter for a result column (None: the driver's value as it is),
    or UNSUPPORTED. Some need the column's type code, which only a cursor knows: a float
    column comes back from both drivers as a Python float, so it needs none."""
    try:
        return type_._cached_result_processor(dialect, None)
    except (InvalidRequestError, TypeError):
        if isinstance(type_, sqltypes.Float) and not type_.asdecimal:
            return None
        return UNSUPPORTED


def fixed_value(statement: Any, name: str, bind: Any) -> tuple[bool, Any]:
    """(known, value) of a parameter the caller does not pass: an INSERT column's scalar
    default, or a literal of the statement (None included)."""
    table: Any = getattr(statement, "table", None)
    column = table.c.get(name) if table is not None and statement.is_dml else None
    if column is not None and statement.is_insert and column.default is not None:
        return column.default.is_scalar, column.default.arg
    if column is not None and statement.is_update and column.onupdate is not None:
        return False, None
    if bind.callable is not None or bind.required:
        return False, None
    return True, bind.value


def values(plan: Plan, params: Mapping[str, Any]) -> list[Any]:
    values = []
    for name in plan.names:
        value = params[name] if name in params else plan.fixed[name]
        process = plan.binds.get(name)
        values.append(process(value) if process is not None else value)
    return values


def rows(plan: Plan, fetched: Iterable[tuple[Any, ...]]) -> list[Row]:
    # Only the columns that have a processor are touched: most have none, and a claim
    # reads every column of dozens of rows.
    converting = [(index, process) for index, process in enumerate(plan.results) if process]
    if not converting:
        return [plan.row(raw) for raw in fetched]
    found = []
    for raw in fetched:
        row = list(raw)
        for index, process in converting:
            row[index] = process(row[index])
        found.append(plan.row(row))
    return found
