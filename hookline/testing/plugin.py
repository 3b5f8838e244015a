"""The pytest plugin: ``hookline_server`` and ``webhook_receiver`` fixtures.

Registered by installing hookline (entry point ``pytest11``), so a test file needs no
conftest. Scopes:

- one hookline process per test session (per xdist worker), on a free port with a fresh
  SQLite database in a temporary directory, started with ``--manual-clock``;
- ``hookline_server`` is function-scoped: it resets the account before each test, so
  every test starts with no conversations, webhooks, events or deliveries (the account
  and its default service stay; the clock only moves forward);
- ``webhook_receiver`` is function-scoped: a new receiver on a new port for each test,
  checking signatures with the server's Auth Token.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hookline.testing.receiver import WebhookReceiver
from hookline.testing.server import HooklineServer


@pytest.fixture(scope="session")
def hookline_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HooklineServer]:
    """The session's hookline process (tests should use ``hookline_server``)."""
    server = HooklineServer(tmp_path_factory.mktemp("hookline"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hookline_server(hookline_process: HooklineServer) -> HooklineServer:
    """The running hookline, its account reset: ``base_url``, ``account_sid``,
    ``auth_token``, ``service_sid``, ``client``, ``reset()``, ``advance(seconds)``."""
    hookline_process.reset()
    return hookline_process


@pytest.fixture
def webhook_receiver(hookline_process: HooklineServer) -> Iterator[WebhookReceiver]:
    """A local webhook receiver: ``url(path)``, ``respond(...)``, ``wait_for(...)``."""
    receiver = WebhookReceiver(auth_token=hookline_process.auth_token)
    yield receiver
    receiver.close()
