"""uvicorn's httptools protocol with hookline's request-read timeout and header-size limit
(see :mod:`hookline.serving`), and Twilio's error JSON for a request beyond
``--limit-concurrency``; imported only when httptools is installed."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hookline.serving import _ReadTimer
from hookline.web.errors import error_response

#: Seconds a client refused for load is told to wait: the requests in progress end in
#: milliseconds, unlike the database outages ``error_response``'s default is for.
OVER_LIMIT_RETRY_AFTER = "1"


async def over_limit(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer beyond ``--limit-concurrency``: uvicorn's (``text/plain`` "Service
    Unavailable") in Twilio's shape, so an SDK reads a code and a message. The request's
    body is not read: the connection closes after it, as uvicorn's does."""
    response = error_response(
        503, 20503, "Too many requests in progress on this server; retry the request"
    )
    response.headers["Retry-After"] = OVER_LIMIT_RETRY_AFTER
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


class HeaderTooLarge(ValueError):
    """Raised in a parser callback: httptools turns it into a parse error, uvicorn into 400."""


class HttpToolsReadTimeoutProtocol(_ReadTimer, HttpToolsProtocol):
    """Closes connections whose request takes too long to arrive; answers 400 to a request
    line plus headers larger than ``max_header_bytes`` (h11's limit, kept with httptools)."""

    max_header_bytes: int = 16 * 1024
    #: A request has begun (first byte parsed) and its last byte has not arrived yet.
    _in_request = False
    _in_headers = True
    #: Request line and header bytes parsed so far in the current request.
    _header_bytes = 0
    #: Bytes received while the current request's headers were still incomplete.
    _unparsed_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_read_timer()

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            self._unparsed_bytes += len(data)
        super().data_received(data)
        if self.transport.is_closing():
            return self._stop_read_timer()
        if self._in_headers and self._unparsed_bytes > self.max_header_bytes:
            # One header still arriving (httptools reports a header once it is whole).
            return self.send_400_response("Request header fields too large.")
        self._after_data(self._in_request)

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.max_header_bytes:
            raise HeaderTooLarge

    def on_message_begin(self) -> None:
        self._in_request = True
        self._header_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url) + 16)  # method, version and line ending too
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._unparsed_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_request = False
        self._in_headers = True
        super().on_message_complete()

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        # uvicorn chose its own answer for a request over the limit: ours instead.
        chosen: Any = over_limit if app is service_unavailable else app
        super()._start_asgi_task(cycle, chosen)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_read_timer()
        super().connection_lost(exc)
