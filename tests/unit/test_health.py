"""``/_hookline/health`` tells whether this process's delivery worker is alive."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from hookline.app import create_app
from hookline.delivery.worker import Worker
from hookline.settings import Settings
from tests.support.asgi import asgi_request


async def _get(app: Any, path: str) -> tuple[int, Any]:
    """One GET through the ASGI app, no network."""
    status, body = await asgi_request(app, "GET", path)
    return status, json.loads(body)


async def test_health_is_503_once_the_worker_has_died(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # serve's worker runs on a thread of its own, with its own event loop.
    crashed = threading.Event()

    async def crash(self: Worker) -> None:
        await asyncio.to_thread(crashed.wait)
        raise RuntimeError("the worker crashed")

    monkeypatch.setattr(Worker, "run", crash)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}"))
    async with app.router.lifespan_context(app):
        assert await _get(app, "/_hookline/health") == (
            200,
            {"status": "ok", "database": "ok", "worker": "alive", "backlog": 0, "pid": os.getpid()},
        )
        crashed.set()
        async with asyncio.timeout(30):
            while app.state.engine.worker_state() != "dead":
                await asyncio.sleep(0.01)
        status, body = await _get(app, "/_hookline/health")
        assert (status, body["status"], body["worker"]) == (503, "worker dead", "dead")


async def test_health_is_503_and_metrics_200_while_the_database_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hookline.domain import deliveries
    from hookline.exceptions import DatabaseUnavailable

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", worker=False))
    async with app.router.lifespan_context(app):

        async def down(rt: Any) -> int:
            raise DatabaseUnavailable("ConnectionRefusedError: refused")

        monkeypatch.setattr(deliveries, "backlog", down)
        assert await _get(app, "/_hookline/health") == (
            503,
            {
                "status": "database unavailable",
                "database": "unavailable",
                "worker": "disabled",
                "backlog": None,
                "pid": os.getpid(),
            },
        )
        status, text = await _get_text(app, "/metrics")
        assert status == 200 and "\nhookline_database_up 0.0\n" in text
        monkeypatch.undo()
        status, text = await _get_text(app, "/metrics")
        assert status == 200 and "\nhookline_database_up 1.0\n" in text


async def _get_text(app: Any, path: str) -> tuple[int, str]:
    status, body = await asgi_request(app, "GET", path)
    return status, body.decode()
