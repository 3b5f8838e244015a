"""Shared helpers of the reliability tier: a plain HTTP client, fresh PostgreSQL databases."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from tests.support.bad_receiver import BadReceiver
from tests.support.openapi import error_json_problem
from tests.support.server import ServerProcess, start_server

POSTGRES_URL = os.environ.get("HOOKLINE_TEST_POSTGRES_URL")


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)

    def error_problem(self) -> str | None:
        return error_json_problem(self.body.decode("utf-8", "replace"), self.status)


class Api:
    """Requests against a running server, Basic auth by default (``auth=None`` for none)."""

    def __init__(self, base_url: str, account_sid: str, auth_token: str) -> None:
        self.base_url = base_url
        self.credentials: tuple[str, str] = (account_sid, auth_token)

    def call(
        self,
        method: str,
        path: str,
        data: Any = None,
        *,
        auth: Any = "default",
        headers: dict[str, str] | None = None,
        params: Any = None,
        timeout: float = 15.0,
    ) -> Reply:
        response = requests.request(
            method,
            self.base_url + path,
            data=data,
            params=params,
            headers=headers,
            auth=self.credentials if auth == "default" else auth,
            timeout=timeout,
        )
        return Reply(response.status_code, response.content, dict(response.headers))

    def ok(self, method: str, path: str, data: Any = None, **kwargs: Any) -> Any:
        reply = self.call(method, path, data, **kwargs)
        assert reply.status < 300, f"{method} {path} -> {reply.status}: {reply.body[:500]!r}"
        return reply.json() if reply.body else None


def api_for(server: ServerProcess) -> Api:
    return Api(server.base_url, server.account_sid, server.auth_token)


def all_deliveries(api: Api) -> list[dict[str, Any]]:
    """hookline's whole delivery log (``/_hookline/deliveries``, every page)."""
    rows: list[dict[str, Any]] = []
    after = 0
    while True:
        page = api.ok("GET", "/_hookline/deliveries", params={"After": after, "Limit": 1000})
        rows.extend(page["deliveries"])
        if not page["deliveries"]:
            return rows
        after = page["next_after"]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def fresh_postgres_database(url: str) -> Iterator[str]:
    """A new, empty database on the server of ``url``; dropped afterwards."""
    name = f"hookline_rel_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(url, name)
    finally:
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def backends() -> list[Any]:
    """``sqlite`` always; ``postgres`` when HOOKLINE_TEST_POSTGRES_URL is set."""
    skip_pg = pytest.mark.skipif(not POSTGRES_URL, reason="HOOKLINE_TEST_POSTGRES_URL is not set")
    return ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, skip_pg])]


@contextmanager
def database_url(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'hookline.db'}"
        return
    assert POSTGRES_URL
    with fresh_postgres_database(POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="module", params=backends())
def backend_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One real server per test module and backend (SQLite, and PostgreSQL when set)."""
    tmp: Path = tmp_path_factory.mktemp(request.param)
    with database_url(request.param, tmp) as url:
        process = start_server(tmp, url)
        yield process
        process.stop()


@pytest.fixture(params=backends())
def hookline(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """A real ``hookline serve`` of its own (SQLite, and PostgreSQL when set)."""
    with database_url(request.param, tmp_path) as url:
        server = start_server(tmp_path, url)
        try:
            yield api_for(server)
        finally:
            server.stop()


@pytest.fixture
def bad() -> Iterator[BadReceiver]:
    """A receiver that answers, hangs or misbehaves by path (tests/support/bad_receiver.py)."""
    receiver = BadReceiver()
    yield receiver
    receiver.close()
