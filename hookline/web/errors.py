"""Twilio's error JSON: ``{code, message, more_info, status}``."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hookline.exceptions import Duplicate, HooklineError

log = logging.getLogger("hookline.api")


def error_response(status: int, code: int, message: str) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if status == 401 else None
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


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, 20500, "Internal server error")


HANDLERS = {
    HooklineError: hookline_error,
    HTTPException: http_error,
    Duplicate: concurrent_change,
    Exception: unexpected_error,
}
