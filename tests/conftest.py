from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, start_server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A real ``hookline serve`` on SQLite (or on PostgreSQL with HOOKLINE_TEST_DATABASE_URL)."""
    process = start_server(tmp_path, os.environ.get("HOOKLINE_TEST_DATABASE_URL"))
    yield process
    process.stop()
