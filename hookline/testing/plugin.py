"""The pytest plugin: ``hookline_server`` and ``webhook_receiver`` fixtures.

Registered by installing hookline (entry point ``pytest11``), so a test file needs no
conftest. Scopes:

- one hookline process per test session (per xdist worker) and set of server options,
  on a free port with a fresh SQLite database in a temporary directory, started with
  ``--manual-clock``;
- ``hookline_server_options``: the extra ``hookline serve`` options of that process
  (``--retry-policy``, ``--faults``, ``--rest-webhooks``, …); by default the
  ``hookline_server_args`` ini setting (empty). Override the fixture in a conftest, a
  module or a class to start a server with other options (a second process, kept for
  every test that asks for the same options);
- ``hookline_server`` is function-scoped: it resets the account before each test, so
  every test starts with no conversations, webhooks, events or deliveries (the account
  and its default service stay; the clock only moves forward);
- ``webhook_receiver`` is function-scoped: a new receiver on a new port for each test,
  checking signatures with the server's Auth Token.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from hookline.testing.receiver import WebhookReceiver
from hookline.testing.server import HooklineServer

INI_ARGS = "hookline_server_args"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI_ARGS,
        type="args",
        default=[],
        help="Extra `hookline serve` options of the hookline_server fixture's process, "
        "e.g. --retry-policy durable --faults duplicate=0.1 (hookline_server_options "
        "overrides it).",
    )


class ServerPool:
    """The session's hookline processes, one per distinct set of server options."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.servers: dict[tuple[str, ...], HooklineServer] = {}

    def get(self, options: Sequence[str]) -> HooklineServer:
        if isinstance(options, str):
            raise TypeError("hookline_server_options must be a list of arguments, not a str")
        key = tuple(str(option) for option in options)
        server = self.servers.get(key)
        if server is None:
            server = HooklineServer(self.factory.mktemp("hookline"), *key)
            server.start()
            self.servers[key] = server
        return server

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


@pytest.fixture(scope="session")
def hookline_server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    """The session's hookline processes (tests should use ``hookline_server``)."""
    pool = ServerPool(tmp_path_factory)
    yield pool
    pool.stop()


@pytest.fixture(scope="session")
def hookline_server_options(pytestconfig: pytest.Config) -> list[str]:
    """Extra ``hookline serve`` options (the ``hookline_server_args`` ini setting by
    default): override this fixture to test with, e.g., ``["--retry-policy", "durable"]``."""
    return list(pytestconfig.getini(INI_ARGS))


@pytest.fixture
def hookline_process(
    hookline_server_pool: ServerPool, hookline_server_options: Sequence[str]
) -> HooklineServer:
    """The running hookline process for these options, not reset (tests should use
    ``hookline_server``)."""
    return hookline_server_pool.get(hookline_server_options)


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
