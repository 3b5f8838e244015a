from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import hookline.testing.plugin
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, start_server


def pytest_configure(config: pytest.Config) -> None:
    """hookline's own tests use its pytest plugin; installed, the ``pytest11`` entry point
    has registered it already, else (a source checkout on sys.path) it is registered here."""
    if not config.pluginmanager.is_registered(hookline.testing.plugin):
        config.pluginmanager.register(hookline.testing.plugin, "hookline.testing.plugin")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A real ``hookline serve`` on SQLite; ``indirect`` parametrization with "postgres"
    runs it on a freshly emptied HOOKLINE_TEST_POSTGRES_URL database instead."""
    database_url = None
    if getattr(request, "param", "sqlite") == "postgres":
        postgres = os.environ.get("HOOKLINE_TEST_POSTGRES_URL")
        if not postgres:
            pytest.skip("HOOKLINE_TEST_POSTGRES_URL is not set (.ci/run sets it)")
        asyncio.run(reset_postgres(postgres))
        database_url = postgres
    process = start_server(tmp_path, database_url)
    yield process
    process.stop()


async def reset_postgres(url: str) -> None:
    """Drop everything in the test database (tests run one at a time)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from hookline.store.store import database_url

    engine = create_async_engine(database_url(url))
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
