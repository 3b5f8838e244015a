"""Errors are answered, logged once, and never re-raised to the server (which would close
the kept-alive connection without telling the client)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hookline.exceptions import DatabaseUnavailable
from hookline.web.errors import HANDLERS, AnswerErrors
from tests.support.asgi import asgi_response


async def _call(app: Any, path: str) -> tuple[int, dict[str, str], bytes]:
    return await asgi_response(app, "POST", path)


async def _database_down(request: Request) -> Response:
    raise DatabaseUnavailable("ConnectionRefusedError: [Errno 111] Connection refused")


async def _bug(request: Request) -> Response:
    raise RuntimeError("a bug")


async def _cancelled(request: Request) -> Response:
    raise asyncio.CancelledError


def _app() -> Starlette:
    return Starlette(
        routes=[
            Route("/down", _database_down, methods=["POST"]),
            Route("/bug", _bug, methods=["POST"]),
            Route("/cancelled", _cancelled, methods=["POST"]),
        ],
        exception_handlers=HANDLERS,
        middleware=[Middleware(AnswerErrors)],
    )


async def test_database_unavailable_is_503_with_retry_after_and_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    status, headers, body = await _call(_app(), "/down")
    assert status == 503 and headers["retry-after"] == "5"
    assert json.loads(body) == {
        "code": 20503,
        "message": "The database is unavailable; retry the request later",
        "more_info": "https://www.twilio.com/docs/errors/20503",
        "status": 503,
    }
    (record,) = caplog.records
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.getMessage() == (
        "database unavailable on POST /down: ConnectionRefusedError: [Errno 111] Connection refused"
    )


async def test_an_unexpected_error_is_500_json_logged_once_and_not_reraised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    status, _, body = await _call(_app(), "/bug")  # no exception escapes to the server
    assert status == 500 and json.loads(body)["code"] == 20500
    (record,) = caplog.records
    assert record.getMessage() == "unhandled error on POST /bug" and record.exc_info


async def test_a_cancelled_request_is_503_and_closes_the_connection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    status, headers, body = await _call(_app(), "/cancelled")
    assert status == 503 and headers["connection"] == "close"
    assert json.loads(body)["code"] == 20503
    (record,) = caplog.records
    assert record.getMessage() == "POST /cancelled cut short: the server is stopping"


async def test_an_error_after_the_response_started_is_reraised() -> None:
    async def half(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("mid-body")

    with pytest.raises(RuntimeError):
        await _call(AnswerErrors(half), "/half")


async def test_a_good_response_passes_through() -> None:
    app = AnswerErrors(PlainTextResponse("fine"))
    assert await _call(app, "/") == (
        200,
        {"content-length": "4", "content-type": "text/plain; charset=utf-8"},
        b"fine",
    )
