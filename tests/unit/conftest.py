from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hookline.clock import ManualClock
from hookline.domain import accounts
from hookline.domain.accounts import Account
from hookline.domain.events import RecordingSink
from hookline.domain.runtime import Runtime
from hookline.sids import SequentialSids
from hookline.store import open_store
from tests.conftest import reset_postgres

POSTGRES = os.environ.get("HOOKLINE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every store-backed unit test runs on SQLite, and on PostgreSQL when CI provides one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'unit.db'}"
    if not POSTGRES:
        pytest.skip("HOOKLINE_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    await reset_postgres(POSTGRES)
    return POSTGRES


@pytest.fixture
async def rt(store_url: str) -> AsyncIterator[Runtime]:
    """A runtime on a real store, deterministic SIDs, a manual clock, a recording sink."""
    store = await open_store(store_url)
    runtime = Runtime(store=store, clock=ManualClock(), sids=SequentialSids(), sink=RecordingSink())
    yield runtime
    await store.close()


@pytest.fixture
async def account(rt: Runtime) -> Account:
    return await accounts.create(rt)
