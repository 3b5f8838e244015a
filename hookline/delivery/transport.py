"""Outbound HTTP behind one method, so delivery logic can be tested without sockets.

:class:`AiohttpTransport` never raises for a failed request: the outcome, including
connection errors and timeouts, comes back as an :class:`OutboundResponse` whose
``error_kind`` says which phase failed (``connect``, ``read``, ``total``, ``egress``,
``other``), which is what retry decisions need (see ``retry.should_retry``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, Protocol

import aiohttp
from aiohttp.client_reqrep import ClientRequest
from aiohttp.connector import Connection
from multidict import CIMultiDict
from yarl import URL

from hookline.delivery.egress import EgressPolicy, EgressRefused, VettedResolver, parse_ip, refusal
from hookline.delivery.states import ERROR_KINDS, ErrorKind

BODY_CAP = 64 * 1024
Headers = tuple[tuple[str, str], ...]
__all__ = [
    "ERROR_KINDS",
    "AiohttpTransport",
    "MockTransport",
    "OutboundRequest",
    "OutboundResponse",
    "Transport",
]


def _first(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


@dataclass(frozen=True)
class OutboundRequest:
    """One HTTP request; timeouts in seconds (Twilio's defaults: 5 / 15 / 15)."""

    method: str
    url: str
    headers: Headers = ()
    body: bytes = b""
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 15.0

    def header(self, name: str) -> str | None:
        return _first(self.headers, name)


@dataclass(frozen=True)
class OutboundResponse:
    """What came back; ``status`` is None when no HTTP response was received."""

    status: int | None
    headers: Headers = ()
    body: bytes = b""
    elapsed_ms: float = 0.0
    error: str | None = None
    #: One of :data:`ERROR_KINDS` when ``status`` is None.
    error_kind: ErrorKind | None = None
    #: The body was longer than the cap and was cut.
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        return _first(self.headers, name)


class Transport(Protocol):
    """Sends one request and reports what came back; never raises for a failed request."""

    async def send(self, request: OutboundRequest) -> OutboundResponse: ...

    async def close(self) -> None:
        """Release connections; the engine calls it once, when it stops."""


#: The request the current task is sending (see ``_MarkingConnector``).
_sending: ContextVar[SimpleNamespace | None] = ContextVar("hookline_sending", default=None)


class _MarkingConnector(aiohttp.TCPConnector):
    """Marks the current task's request connected once it has a connection, so that a
    total timeout can be told apart: before that, it was the connect that took too long.
    (An aiohttp trace config could tell the same, but with one it builds and awaits a
    dozen trace events per request: about 0.06 ms, a sixth of a delivery's CPU.)"""

    async def connect(
        self, req: ClientRequest, traces: list[Any], timeout: aiohttp.ClientTimeout
    ) -> Connection:
        connection = await super().connect(req, traces, timeout)
        state = _sending.get()
        if state is not None:
            state.connected = True
        return connection


@lru_cache(maxsize=1024)
def _url(text: str) -> URL:
    # encoded=True: the request line must be the exact string that was signed.
    return URL(text, encoded=text.isascii())


@lru_cache(maxsize=1024)
def _literal_refusal(host: str, egress: EgressPolicy, allow_metadata: bool) -> str | None:
    # aiohttp skips the resolver for IP literals, so they are vetted here instead.
    address = parse_ip(host)
    if address is None:
        return None
    return refusal(address, egress, allow_metadata=allow_metadata)


@lru_cache(maxsize=64)
def _timeout(total: float, connect: float, read: float) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class AiohttpTransport:
    """Real HTTP with one shared session; redirects are never followed."""

    def __init__(
        self,
        egress: EgressPolicy = EgressPolicy.LOCAL,
        *,
        allow_metadata: bool = False,
        limit_per_host: int = 0,
        body_cap: int = BODY_CAP,
    ) -> None:
        self.egress = egress
        self.allow_metadata = allow_metadata
        #: 0: unlimited; the worker already bounds concurrency per endpoint.
        self.limit_per_host = limit_per_host
        self.body_cap = body_cap
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use: a session must be made inside the running event loop.
        if self._session is None or self._session.closed:
            connector = _MarkingConnector(
                limit=0,
                limit_per_host=self.limit_per_host,
                resolver=VettedResolver(self.egress, allow_metadata=self.allow_metadata),
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                # Twilio keeps no cookies; one receiver's cookies must not reach another.
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
        return self._session

    def _check_literal(self, url: URL) -> None:
        reason = _literal_refusal(url.raw_host or "", self.egress, self.allow_metadata)
        if reason:
            raise EgressRefused(reason)

    async def send(self, request: OutboundRequest) -> OutboundResponse:
        started = time.perf_counter()
        state = SimpleNamespace(connected=False)
        marking = _sending.set(state)

        def failed(kind: ErrorKind, error: str) -> OutboundResponse:
            elapsed = (time.perf_counter() - started) * 1000
            return OutboundResponse(None, elapsed_ms=elapsed, error=error, error_kind=kind)

        try:
            url = _url(request.url)
            self._check_literal(url)
            timeout = _timeout(request.total_timeout, request.connect_timeout, request.read_timeout)
            async with self._client().request(
                request.method,
                url,
                headers=CIMultiDict(request.headers),
                data=request.body or None,
                allow_redirects=False,
                timeout=timeout,
            ) as response:
                body, truncated = await self._read_capped(response)
                return OutboundResponse(
                    status=response.status,
                    headers=tuple(response.headers.items()),
                    body=body,
                    elapsed_ms=(time.perf_counter() - started) * 1000,
                    truncated=truncated,
                )
        except EgressRefused as exc:
            return failed("egress", f"egress refused: {exc}")
        except aiohttp.ConnectionTimeoutError:
            return failed("connect", f"connect timeout ({request.connect_timeout:g} s)")
        except aiohttp.ServerTimeoutError:
            return failed("read", f"read timeout ({request.read_timeout:g} s)")
        except TimeoutError:
            kind: ErrorKind = "total" if state.connected else "connect"
            return failed(kind, f"total timeout ({request.total_timeout:g} s)")
        except aiohttp.ClientConnectorError as exc:
            return failed("connect", _describe(exc))
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            # The connection was up and broke while waiting for or reading the answer.
            return failed("read", _describe(exc))
        except Exception as exc:
            # Invalid URLs, malformed responses and anything unforeseen are recorded on
            # the attempt rather than crashing the worker.
            return failed("other", _describe(exc))
        finally:
            _sending.reset(marking)

    async def _read_capped(self, response: aiohttp.ClientResponse) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        # One byte past the cap tells a body of exactly ``body_cap`` from a longer one.
        while size <= self.body_cap:
            chunk = await response.content.read(self.body_cap + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        body = b"".join(chunks)
        return body[: self.body_cap], size > self.body_cap

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


Handler = Callable[[OutboundRequest], Awaitable[OutboundResponse] | OutboundResponse]


class MockTransport:
    """Answers with ``handler`` (sync or async; default: 200) and records every request."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler: Handler = handler or (lambda request: OutboundResponse(200))
        self.requests: list[OutboundRequest] = []
        self.closed = False

    async def send(self, request: OutboundRequest) -> OutboundResponse:
        self.requests.append(request)
        result = self.handler(request)
        if isinstance(result, OutboundResponse):
            return result
        return await result

    async def close(self) -> None:
        self.closed = True
