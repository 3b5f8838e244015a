"""PostgreSQL on asyncpg itself: SQLAlchemy compiles the statements, asyncpg runs them.

Measured here (CPU of the Python process per transaction): through SQLAlchemy's asyncpg
adaptation a transaction cost about 0.7 ms before its first statement's own work and each
statement about 0.23 ms; on an asyncpg pool, 0.36 ms and 0.07 ms. SQLAlchemy's share was
its async adaptation (a greenlet per call), its pool's events and resets, its execution
context and result wrapping, plus ``pool_pre_ping``'s three round trips per checkout.

What stays SQLAlchemy's: the schema and migrations, and the SQL. Every statement is
compiled with the asyncpg dialect (its SQL, casts, bind and result processors), so it
means exactly what it meant through SQLAlchemy: the store's built-once statements are
compiled once per parameter shape (``_plans``), any other per call, with expanding IN
lists rendered for the values given. asyncpg keeps each prepared on its connection.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError

from hookline.store._plans import (
    Plans,
    Rows,
    rows,
    values,
)


class AsyncpgRunner:
    """Runs SQLAlchemy statements on asyncpg connections (see the module docstring)."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._plans = Plans(dialect)

    async def run(
        self,
        driver: asyncpg.Connection,
        statement: Any,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
    ) -> Rows:
        call = self._plans.for_call(statement, params) if params else None
        try:
            if call is None:
                return await self._one_off(driver, statement, params)
            plan, batch, many = call
            if many:
                await driver.executemany(plan.sql, [values(plan, row) for row in batch])
                return Rows([], -1)  # asyncpg does not count executemany's rows
            if plan.returns_rows:
                records = await driver.fetch(plan.sql, *values(plan, batch[0]))
                return Rows(rows(plan, records), len(records))
            status = await driver.execute(plan.sql, *values(plan, batch[0]))
            return Rows([], _rowcount(status))
        except asyncpg.IntegrityConstraintViolationError as exc:
            # As SQLAlchemy raises it: the store turns unique violations into Duplicate.
            raise IntegrityError(str(statement), params, exc, hide_parameters=True) from exc
        except asyncpg.PostgresError as exc:
            raise DBAPIError(str(statement), params, exc, hide_parameters=True) from exc

    async def _one_off(
        self,
        driver: asyncpg.Connection,
        statement: Any,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
    ) -> Rows:
        """A statement compiled for this call (built per call, or an expanding IN list)."""
        batch = [params] if params is None or isinstance(params, Mapping) else list(params)
        found: list[Any] = []
        count = 0
        for one in batch:
            sql, args, plan = self._plans.expanded(statement, one or {})
            if plan is None:
                status = await driver.execute(sql, *args)
                count += max(_rowcount(status), 0)
            else:
                records = await driver.fetch(sql, *args)
                found += rows(plan, records)
                count += len(records)
        return Rows(found, count)


async def _reset(driver: asyncpg.Connection) -> None:
    """Before a connection goes back to the pool. asyncpg's default reset is a round trip
    (advisory unlocks, CLOSE ALL, UNLISTEN, RESET ALL) for session state the store never
    creates (its advisory locks are transaction-scoped); only an abandoned transaction
    (a cancelled request) needs undoing."""
    if driver.is_in_transaction():
        await driver.execute("ROLLBACK")


async def _codecs(driver: asyncpg.Connection) -> None:
    """JSON columns as SQLAlchemy's asyncpg dialect sets them up (its bind processors
    hand over text), decoded with orjson."""
    await driver.set_type_codec(
        "json", encoder=str.encode, decoder=orjson.loads, schema="pg_catalog", format="binary"
    )
    await driver.set_type_codec(
        "jsonb",
        encoder=lambda text: b"\x01" + text.encode(),
        decoder=lambda data: orjson.loads(data[1:]),
        schema="pg_catalog",
        format="binary",
    )


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 20) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_codecs, reset=_reset
    )


@contextlib.asynccontextmanager
async def commit_errors() -> AsyncIterator[None]:
    """An integrity error at COMMIT (a deferred constraint) as SQLAlchemy would raise it."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError("COMMIT", None, exc) from exc


def _rowcount(status: str) -> int:
    """asyncpg's command tag (``UPDATE 3``, ``INSERT 0 1``) → the rows it touched."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else -1
