from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import hookline
from tests.support.server import ServerProcess


@pytest.fixture
def sdk(server: ServerProcess) -> Iterator[Any]:
    """The official twilio SDK pointed at the server; every response checked against the spec."""
    from tests.support.openapi import install_validation

    client = hookline.client(server.base_url, server.account_sid, server.auth_token)
    checker = install_validation(client)
    yield client
    assert not checker.failures, "\n".join(str(f) for f in checker.failures)
