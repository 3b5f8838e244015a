"""The storage interface: one :class:`Store` per process, :class:`Tx` per unit of work.

SQLite is the embedded default, run in the event loop's thread (:class:`SqliteStore`);
PostgreSQL (asyncpg) is the scale-out store (:class:`PostgresStore`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import orjson
from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from hookline.store import _queries as q
from hookline.store._connection import translated
from hookline.store._log import LogMethods
from hookline.store._pg_fast import AsyncpgRunner, commit_errors, create_pool
from hookline.store._sqlite_fast import FastSqlite
from hookline.store._unavailable import translating
from hookline.store.migrate import upgrade, upgrade_sync
from hookline.store.records import AccountRow, ApiKeyRow
from hookline.types import Record

_KEY_COLUMNS = {
    kind: [c.name for c in table.c if c.name not in ("seq", "doc")]
    for kind, table in q.RESOURCES.items()
}


class Tx(LogMethods):
    """One transaction: every read and write the domain makes goes through its named
    methods (resources here, the logs and the outbox in :class:`LogMethods`)."""

    def __init__(self, conn: Any) -> None:
        super().__init__(conn)
        #: Webhook configurations read in this transaction, by (account, scope).
        self._configs: dict[tuple[str, str], Record | None] = {}

    # --- resources ----------------------------------------------------------------

    def _columns(self, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
        values = {name: record.get(name) for name in _KEY_COLUMNS[kind] if name in record}
        values["doc"] = dict(record)
        return values

    async def insert(self, kind: str, record: Record, **extra: Any) -> None:
        values = self._columns(kind, record) | extra
        await self._execute(*q.insert_resource(q.RESOURCES[kind], values))

    async def update(self, kind: str, record: Record, **extra: Any) -> None:
        values = self._columns(kind, record) | extra
        await self._execute(*q.update_resource(q.RESOURCES[kind], record["sid"], values))

    async def get(self, kind: str, **where: Any) -> Record | None:
        result = await self._execute(*q.select_resource(q.RESOURCES[kind], where))
        row = result.first()
        return dict(row.doc) if row else None

    async def participant_by_author(self, conversation_sid: str, author: str) -> Record | None:
        """The conversation's participant whose identity is ``author``, or else whose
        address is (a message's author names one or the other): one statement."""
        statement = q.select_participants_by_author(conversation_sid, author)
        rows = list(await self._execute(*statement))
        by_identity = [row for row in rows if row.identity == author]
        found = (by_identity or rows)[:1]
        return dict(found[0].doc) if found else None

    async def lock(self, kind: str, **where: Any) -> Record | None:
        """``get`` that holds the row until the transaction ends (read-check-write races)."""
        result = await self._execute(*q.select_resource(q.RESOURCES[kind], where, lock=True))
        row = result.first()
        return dict(row.doc) if row else None

    async def serialize_on(self, key: str) -> None:
        """Wait until no other transaction holds ``key``, then hold it until this one ends:
        writers that check a rule spanning rows no single row lock covers take the same key
        first. PostgreSQL: a transaction-scoped advisory lock. SQLite: nothing to do, its
        writers already run one at a time (BEGIN IMMEDIATE behind one write lock)."""
        if not isinstance(self._conn, _InLoop):
            await self._execute(q.advisory_xact_lock(key))

    async def find(self, kind: str, **where: Any) -> list[Record]:
        result = await self._execute(*q.select_resource(q.RESOURCES[kind], where))
        return [dict(row.doc) for row in result]

    async def page(
        self,
        kind: str,
        where: Mapping[str, Any],
        after_seq: int,
        limit: int,
        descending: bool = False,
    ) -> list[tuple[int, Record]]:
        """Rows matching ``where`` after position ``after_seq``; a list value matches any
        of its values."""
        statement = q.select_resource_page(q.RESOURCES[kind], where, after_seq, limit, descending)
        result = await self._execute(statement)
        return [(row.seq, dict(row.doc)) for row in result]

    async def count(self, kind: str, **where: Any) -> int:
        result = await self._execute(q.count_resources(q.RESOURCES[kind], where))
        return int(result.scalar_one())

    async def delete(self, kind: str, **where: Any) -> int:
        result = await self._execute(q.delete_resources(q.RESOURCES[kind], where))
        return int(result.rowcount)

    async def next_message_index(self, conversation_sid: str) -> int:
        result = await self._execute(*q.take_next_message_index(conversation_sid))
        return int(result.scalar_one()) - 1

    # --- accounts -----------------------------------------------------------------

    async def insert_account(self, account: AccountRow) -> None:
        await self._execute(q.insert_account(_fields(account)))

    async def update_account(
        self, sid: str, *, auth_token: str | None = None, default_service_sid: str | None = None
    ) -> None:
        """Change the given fields of account ``sid`` (None leaves one as it is)."""
        values = {"auth_token": auth_token, "default_service_sid": default_service_sid}
        changes = {name: value for name, value in values.items() if value is not None}
        if changes:
            await self._execute(q.update_account(sid, changes))

    async def account(self, sid: str) -> AccountRow | None:
        row = (await self._execute(q.select_account(sid))).first()
        return _account(row) if row else None

    async def accounts(self) -> list[AccountRow]:
        return [_account(row) for row in await self._execute(q.select_accounts())]

    async def insert_api_key(self, key: ApiKeyRow) -> None:
        await self._execute(q.insert_api_key(_fields(key)))

    async def api_key(self, sid: str) -> ApiKeyRow | None:
        row = (await self._execute(q.select_api_key(sid))).first()
        if row is None:
            return None
        return ApiKeyRow(row.sid, row.account_sid, row.secret, row.friendly_name)

    # --- webhook configuration ----------------------------------------------------

    async def webhook_config(self, account_sid: str, service_sid: str) -> Record | None:
        """A scope's configuration; read once per transaction (the pre-event check and the
        post-event routing of one action both ask), a copy each time."""
        key = (account_sid, service_sid)
        if key not in self._configs:
            # The account's own comes along: it applies whenever a service's does not
            # (``webhook_config.effective``), one statement instead of two.
            statement = q.select_webhook_configs(account_sid, service_sid)
            docs = {row.chat_service_sid: row.doc for row in await self._execute(*statement)}
            for scope in (service_sid, ""):
                doc = docs.get(scope)
                self._configs.setdefault(
                    (account_sid, scope), dict(doc) if doc is not None else None
                )
        found = self._configs[key]
        return dict(found) if found is not None else None

    async def save_webhook_config(self, account_sid: str, service_sid: str, doc: Record) -> None:
        """Create or replace the scope's configuration in one atomic upsert."""
        self._configs.pop((account_sid, service_sid), None)
        dialect = "sqlite" if isinstance(self._conn, _InLoop) else "postgresql"
        await self._execute(q.upsert_webhook_config(dialect, account_sid, service_sid, doc))

    async def delete_webhook_config(self, account_sid: str, service_sid: str) -> None:
        self._configs.pop((account_sid, service_sid), None)
        await self._execute(q.delete_webhook_config(account_sid, service_sid))

    # --- reset --------------------------------------------------------------------

    async def delete_account_data(self, account_sid: str, keep_service_sid: str) -> None:
        """Remove everything the account owns except itself, its API keys and the
        ``keep_service_sid`` service row (roles and configuration included)."""
        self._configs.clear()
        for statement in q.delete_account_data(account_sid, keep_service_sid):
            await self._execute(statement)


def _fields(record: AccountRow | ApiKeyRow) -> dict[str, Any]:
    return dict(vars(record))


def _account(row: Any) -> AccountRow:
    return AccountRow(
        row.sid, row.auth_token, row.friendly_name, row.default_service_sid, row.date_created
    )


@contextlib.contextmanager
def _duplicates() -> Iterator[None]:
    """A unique key violated at commit surfaces as :class:`~hookline.exceptions.Duplicate`
    too (statements already translate their own, see ``Connected._execute``)."""
    try:
        yield
    except IntegrityError as exc:
        error = translated(exc)
        if error is exc:
            raise
        raise error from exc


class Store:
    """Opens units of work. :class:`SqliteStore` and :class:`PostgresStore` say how."""

    #: Whether opening this store migrated the schema (another process may have, first).
    migrated = False

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Tx]:
        """A read-write unit of work; commits on success, rolls back on any exception."""
        raise NotImplementedError

    def read(self) -> contextlib.AbstractAsyncContextManager[Tx]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class _OnAsyncpg:
    """An asyncpg connection behind the ``await conn.execute(...)`` that :class:`Tx` uses."""

    def __init__(self, driver: Any, runner: AsyncpgRunner) -> None:
        self._driver = driver
        self._runner = runner

    async def execute(self, statement: Any, params: Any = None) -> Any:
        return await self._runner.run(self._driver, statement, params)


class PostgresStore(Store):
    """PostgreSQL on an asyncpg pool; SQLAlchemy compiles the SQL (``_pg_fast``).

    Reads run without BEGIN: at READ COMMITTED, PostgreSQL's default, each statement of a
    read transaction saw the latest commits anyway, so the BEGIN and ROLLBACK around them
    were two round trips that bought nothing.
    """

    def __init__(self, pool: Any, runner: AsyncpgRunner) -> None:
        self._pool = pool
        self._runner = runner

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        with _duplicates(), translating():
            async with commit_errors(), self._connection() as driver, driver.transaction():
                yield Tx(_OnAsyncpg(driver, self._runner))

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        with translating():
            async with self._connection() as driver:
                yield Tx(_OnAsyncpg(driver, self._runner))

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        """A pooled connection. A refused or timed-out connect (the pool opens one when it
        has none idle) is the database's: :class:`DatabaseUnavailable`."""
        with translating(network=True):
            driver = await self._pool.acquire()
        try:
            yield driver
        finally:
            await self._pool.release(driver)

    async def close(self) -> None:
        await self._pool.close()


class _InLoop:
    """A synchronous connection behind the ``await conn.execute(...)`` that :class:`Tx`
    uses: statements run right here, in the event loop's thread."""

    def __init__(self, conn: Connection, fast: FastSqlite) -> None:
        self._conn = conn
        self._fast = fast

    async def execute(self, statement: Any, params: Any = None) -> Any:
        if params is None:
            return self._conn.execute(statement)
        # The store's hot statements, built once and run with parameters: on the driver.
        result = self._fast.run(self._conn, statement, params)
        return result if result is not None else self._conn.execute(statement, params)


class SqliteStore(Store):
    """SQLite in the event loop's own thread.

    A statement on a local SQLite file takes microseconds; handing it to a driver thread
    and back (as aiosqlite does) cost several times the work itself and made the thread hops most
    of a request's time. Transactions here never wait on anything but SQLite, so running
    them inline is safe. The price: when another process holds the file's write lock, this
    process waits (up to ``busy_timeout``) without serving; several processes belong on
    PostgreSQL. Writers in this process queue on one lock and open ``BEGIN IMMEDIATE`` so
    a second process waits at BEGIN instead of failing mid-transaction. Stores of one file
    in one process (``serve``'s delivery thread has its own) also share a thread lock,
    taken before BEGIN: SQLite's own wait for a busy file sleeps 1, 2, 5, 10 … ms between
    tries (a profile under load showed the API thread waiting in BEGIN), where a lock hands
    over the moment the worker's millisecond transaction ends. Throughput under full load
    was the same within noise either way; the lock bounds the wait.

    Writers share one connection, kept open: taking a connection from the pool and
    resetting it on return cost about 80 µs per transaction, most of an empty one's cost
    (measured: 93 µs per empty write transaction before, 13 µs after).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._write_lock = asyncio.Lock()
        self._file_lock = _file_lock(engine.url.database or "")
        self._fast = FastSqlite(engine.dialect)
        self._writer: Connection | None = None

    def _writer_connection(self) -> Connection:
        writer = self._writer
        if writer is None or writer.closed or writer.invalidated:
            writer = self._engine.connect().execution_options(sqlite_begin="IMMEDIATE")
            self._writer = writer
        return writer

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._write_lock:
            with self._file_lock, translating():
                conn = self._writer_connection()
                with _duplicates(), conn.begin():
                    yield Tx(_InLoop(conn, self._fast))

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        with translating(), self._engine.connect() as conn:
            yield Tx(_InLoop(conn, self._fast))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._engine.dispose()


_file_locks: dict[str, threading.Lock] = {}
_file_locks_lock = threading.Lock()


def _file_lock(database: str) -> threading.Lock | contextlib.nullcontext[None]:
    """The lock this process's writers of ``database`` share (none for in-memory ones)."""
    if not database or database == ":memory:":
        return contextlib.nullcontext()
    path = os.path.realpath(database)
    with _file_locks_lock:
        return _file_locks.setdefault(path, threading.Lock())


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # busy_timeout first: switching to WAL waits for processes starting beside this one.
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # Reads take no lock (WAL readers never block); writes say IMMEDIATE.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        # On the driver: SQLAlchemy's own statement path costs more than the BEGIN.
        driver: Any = conn.connection.driver_connection
        driver.execute(f"BEGIN {mode}")


def database_url(url: str) -> str:
    """Accept plain ``sqlite:///x.db`` / ``postgresql://…``; PostgreSQL goes through asyncpg."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def in_memory(url: str) -> bool:
    """An SQLite database that lives in one connection (``sqlite://``, ``:memory:``): no
    second connection (another thread's) sees it."""
    return url.startswith("sqlite") and (url.rstrip("/") == "sqlite:" or ":memory:" in url)


def _json_text(value: Any) -> str:
    # NON_STR_KEYS: keys may be str subclasses (aiohttp's header names), as json.dumps took.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


#: JSON columns (resource docs, event params) encoded and decoded with orjson: the
#: standard library's json was a visible share of every write in the profile.
_JSON = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


async def open_store(url: str, *, migrate: bool = True, connections: int = 20) -> Store:
    """The store of ``url``, its schema migrated first (under a lock: processes starting
    together migrate one at a time, and the first does the work). A database that cannot
    be reached raises :class:`~hookline.exceptions.DatabaseUnavailable`. ``connections``:
    at most this many PostgreSQL connections open at once."""
    url = database_url(url)
    if url.startswith("sqlite"):
        # hide_parameters: an error's text (and so a log) never carries a message body.
        sync_engine = create_engine(url, pool_size=20, hide_parameters=True, **_JSON)
        _sqlite_pragmas(sync_engine)
        migrated = False
        if migrate:
            with translating(network=True):
                migrated = upgrade_sync(sync_engine)
        store: Store = SqliteStore(sync_engine)
        store.migrated = migrated
        return store
    # SQLAlchemy migrates the schema and compiles the SQL; asyncpg runs it (_pg_fast).
    engine = create_async_engine(url, poolclass=NullPool, hide_parameters=True, **_JSON)
    migrated = False
    try:
        with translating(network=True):
            if migrate:
                migrated = await upgrade(engine)
            pool = await create_pool(_asyncpg_dsn(url), max_size=connections)
    finally:
        await engine.dispose()
    store = PostgresStore(pool, AsyncpgRunner(engine.dialect))
    store.migrated = migrated
    return store


def _asyncpg_dsn(url: str) -> str:
    """SQLAlchemy's URL as asyncpg takes it (no ``+asyncpg`` driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


__all__ = [
    "PostgresStore",
    "SqliteStore",
    "Store",
    "Tx",
    "database_url",
    "open_store",
]
