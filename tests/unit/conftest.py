from __future__ import annotations

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


@pytest.fixture
async def rt(tmp_path: Path) -> AsyncIterator[Runtime]:
    """A runtime on a real SQLite file, deterministic SIDs, a manual clock, a recording sink."""
    store = await open_store(f"sqlite:///{tmp_path / 'unit.db'}")
    runtime = Runtime(store=store, clock=ManualClock(), sids=SequentialSids(), sink=RecordingSink())
    yield runtime
    await store.close()


@pytest.fixture
async def account(rt: Runtime) -> Account:
    return await accounts.create(rt)
