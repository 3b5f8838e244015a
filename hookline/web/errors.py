"""Twilio's error JSON: ``{code, message, more_info, status}``.

Every error is answered here, and none leaves a kept-alive connection in a state the
client cannot see: Starlette's own last-resort handler answers 500 and then re-raises,
and uvicorn closes the connection on a re-raised error without saying so (the client's
next request on it fails with a reset). :class:`AnswerErrors` answers instead and keeps
the exception, so the connection stays usable.

Logs: one line per failure. A known condition (the database unavailable) has no
traceback; an unexpected error has one, and no SQL parameters (the store's engines hide
them), so no message body reaches the log.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hookline.exceptions import DatabaseUnavailable, Duplicate, HooklineError

log = logging.getLogger("hookline.api")


#: Seconds a client is told to wait (``Retry-After``) when the database is unavailable.
RETRY_AFTER_SECONDS = 5


def error_response(status: int, code: int, message: str) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(body, status_code=status, headers=headers)


async def hookline_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HooklineError)
    return error_response(exc.status, exc.code, exc.message)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(
            404, 20404, f"The requested resource {request.url.path} was not found"
        )
    if exc.status_code == 405:
        return error_response(405, 20004, "Method not allowed")
    return error_response(exc.status_code, exc.status_code, str(exc.detail))


async def concurrent_change(request: Request, exc: Exception) -> Response:
    """A unique key taken by a concurrent request between our check and our insert."""
    assert isinstance(exc, Duplicate)
    log.info(
        "concurrent conflicting change on %s %s: %s",
        request.method,
        request.url.path,
        exc.constraint or "a unique key",
    )
    return error_response(exc.status, exc.code, exc.message)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """503 with ``Retry-After``; one log line, no traceback (the condition is known)."""
    assert isinstance(exc, DatabaseUnavailable)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.reason)
    return error_response(exc.status, exc.code, exc.message)


HANDLERS = {
    HooklineError: hookline_error,
    HTTPException: http_error,
    Duplicate: concurrent_change,
    DatabaseUnavailable: database_unavailable,
}


class AnswerErrors:
    """ASGI middleware: an unexpected error is answered 500 with Twilio's error JSON and
    logged once, and not re-raised (see the module docstring). An error after the
    response has started cannot be answered: that one is re-raised, and the server closes
    the connection, the only way left to tell the client its response is incomplete.

    A request cancelled because a graceful shutdown ran out of time
    (``--shutdown-timeout``) is answered 503 with ``Connection: close``, in one log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_and_note(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except asyncio.CancelledError:
            if started:
                raise
            log.warning("%s %s cut short: the server is stopping", scope["method"], scope["path"])
            response = error_response(503, 20503, "The server is stopping; retry the request")
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
        except Exception:
            if started:
                raise
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            response = error_response(500, 20500, "Internal server error")
            await response(scope, receive, send)
