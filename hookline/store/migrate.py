"""Run Alembic migrations against a live engine (``hookline migrate`` and start-up).

Processes started together (an orchestrator's first deploy: several ``serve``, ``worker``
and ``migrate`` at once on a fresh database) must not migrate side by side: two creating
``alembic_version`` at once is a unique violation in PostgreSQL's catalogue. So each
migrates under a lock, and whoever comes second finds the schema at head and does nothing:

- PostgreSQL: a transaction-scoped advisory lock, taken first in the migration's own
  transaction (the DDL is transactional, so the next holder sees it all, committed);
- SQLite: an exclusive ``flock`` on a file beside the database (``hookline.db.lock``);
  SQLite's own locks would not do: Alembic reads the version before it writes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from hookline.store._queries import advisory_xact_lock

MIGRATIONS = Path(__file__).parent / "migrations"
#: The advisory lock every migrating process takes (a name, hashed by PostgreSQL).
LOCK_NAME = "hookline.schema-migration"
log = logging.getLogger("hookline.store")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade_locked(connection: Connection, revision: str) -> bool:
    """Upgrade on ``connection`` (its lock held); whether anything was migrated."""
    before = MigrationContext.configure(connection).get_current_revision()
    command.upgrade(alembic_config(connection), revision)
    after = MigrationContext.configure(connection).get_current_revision()
    if before != after:
        log.info("database schema migrated to %s (was %s)", after, before or "empty")
    return before != after


async def upgrade(engine: AsyncEngine, revision: str = "head") -> bool:
    """PostgreSQL: migrate under the advisory lock; True when this call changed the schema."""

    def run(connection: Connection) -> bool:
        connection.execute(advisory_xact_lock(LOCK_NAME))
        return _upgrade_locked(connection, revision)

    async with engine.begin() as conn:
        return await conn.run_sync(run)


def upgrade_sync(engine: Engine, revision: str = "head") -> bool:
    """SQLite: migrate under the file lock; True when this call changed the schema."""
    with _file_lock(engine.url.database), engine.begin() as connection:
        return _upgrade_locked(connection, revision)


@contextlib.contextmanager
def _file_lock(database: str | None) -> Iterator[None]:
    """Hold an exclusive lock on ``<database>.lock`` (none for an in-memory database)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows: no flock; one process at a time is the user's to ensure
        yield
        return
    with open(f"{database}.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
