"""The store a run measures: a fresh SQLite file or PostgreSQL database per hookline.

PostgreSQL comes from ``HOOKLINE_BENCH_POSTGRES_URL`` (a role allowed to CREATE DATABASE)
or, without it, a throwaway cluster started with ``scripts/pg-test-server`` in the run's
temporary directory and stopped at the end. Every database created here is dropped here.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER_SCRIPT = ROOT / "scripts" / "pg-test-server"
T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class Database:
    """Hands out database URLs of one kind (``sqlite`` or ``postgres``)."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.workdir = workdir
        self.admin_url: str | None = None
        self.cluster_dir: Path | None = None
        self._created: list[str] = []
        self._names = itertools.count(1)
        if kind == "postgres":
            self.admin_url = os.environ.get("HOOKLINE_BENCH_POSTGRES_URL") or self._start()

    def _start(self) -> str:
        # Its own directory under the system temp dir: the cluster runs as the `postgres`
        # user when we are root, and the run's workdir (mode 0700) is not reachable for it.
        self.cluster_dir = Path(tempfile.mkdtemp(prefix="hookline-bench-pg-"))
        started = subprocess.run(
            [str(PG_SERVER_SCRIPT), "start", str(self.cluster_dir)],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if started.returncode != 0:
            log = self.cluster_dir / "initdb.log"
            detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            self.close()
            raise RuntimeError(f"pg-test-server failed: {started.stderr[-2000:]}{detail}")
        return started.stdout.strip().split("=", 1)[1]

    def describe(self) -> str:
        if self.kind == "sqlite":
            return "SQLite (a file per server, hookline's defaults)"
        where = "throwaway cluster (scripts/pg-test-server)" if self.cluster_dir else "given URL"
        return f"PostgreSQL ({where}; the database server is not pinned)"

    def new(self, label: str) -> str:
        """A fresh, empty database's URL."""
        number = next(self._names)
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / f'{label}-{number}.db'}"
        name = f"hookline_bench_{number}"
        run_async(self._admin(f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        assert self.admin_url is not None
        return with_database(self.admin_url, name)

    def clone(self, url: str, label: str) -> str:
        """A copy of a database no server is using (SQLite: backup API; PostgreSQL: TEMPLATE)."""
        number = next(self._names)
        if self.kind == "sqlite":
            target = self.workdir / f"{label}-{number}.db"
            with sqlite3.connect(sqlite_path(url)) as source, sqlite3.connect(target) as copy:
                source.backup(copy)
            return f"sqlite:///{target}"
        name = f"hookline_bench_{number}"
        source_name = urlsplit(url).path.lstrip("/")
        run_async(self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{source_name}"'))
        self._created.append(name)
        assert self.admin_url is not None
        return with_database(self.admin_url, name)

    def server_pid(self) -> int | None:
        """The postmaster's pid when this run started the cluster (its CPU is reported)."""
        if self.cluster_dir is None:
            return None
        try:
            return int((self.cluster_dir / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    async def _admin(self, *statements: str) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    def close(self) -> None:
        if self.kind != "postgres":
            return
        if self.cluster_dir is not None:
            subprocess.run(
                [str(PG_SERVER_SCRIPT), "stop", str(self.cluster_dir)],
                capture_output=True,
                timeout=120,
                check=False,
            )
            shutil.rmtree(self.cluster_dir, ignore_errors=True)
            return
        drops = [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self._created]
        if drops:
            run_async(self._admin(*drops))


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))
