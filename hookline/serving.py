"""Run the ASGI app under uvicorn, with limits on slow and idle clients.

uvicorn closes an idle keep-alive connection after ``timeout_keep_alive``, but it never
times out a connection that is still *sending* its request: a client that opens a
connection and trickles (or stops) its headers is held forever. hookline's protocols add
``timeout_request_read``: a request (line, headers and body) must arrive in full within
that many seconds of the connection opening, or of its first byte on a kept-alive
connection; otherwise the connection is closed.

On SIGTERM (an orchestrator stopping the container) uvicorn stops accepting, lets the
requests in progress finish within ``shutdown_timeout`` (``timeout_graceful_shutdown``),
runs the app's shutdown, and hookline then exits 0: a stop that was asked for is not a
failure (uvicorn would re-raise the signal, and the process would die of it).

HTTP is parsed by httptools (C, several times cheaper per request than h11) when it is
installed, as ``uvicorn[standard]`` installs it; h11 is the fallback.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import signal
import socket
import tempfile
from collections.abc import Callable
from types import FrameType
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors.multiprocess import Multiprocess

from hookline.settings import Settings


class _ReadTimer:
    """The request-read timer both protocols share (they provide ``loop``/``transport``)."""

    timeout_request_read: float = 10.0
    _read_timer: asyncio.TimerHandle | None = None
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    logger: Any

    def _start_read_timer(self) -> None:
        self._stop_read_timer()
        self._read_timer = self.loop.call_later(self.timeout_request_read, self._read_timed_out)

    def _stop_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _after_data(self, request_incomplete: bool) -> None:
        if not request_incomplete:
            self._stop_read_timer()  # the whole request is in (or the connection failed)
        elif self._read_timer is None and not self.transport.is_closing():
            self._start_read_timer()  # part of the next request: the rest must follow in time

    def _read_timed_out(self) -> None:
        self._read_timer = None
        if not self.transport.is_closing():
            self.logger.debug("closing a connection whose request did not arrive in time")
            self.transport.close()


class RequestReadTimeoutProtocol(_ReadTimer, H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request takes too long to arrive."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_read_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._after_data(self.conn.their_state in (h11.IDLE, h11.SEND_BODY))

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_read_timer()
        super().connection_lost(exc)


def _httptools_protocol() -> type[Any] | None:
    """The httptools flavour, or None when httptools is not installed."""
    if importlib.util.find_spec("httptools") is None:
        return None
    from hookline._serving_httptools import HttpToolsReadTimeoutProtocol

    return HttpToolsReadTimeoutProtocol


def protocol_class(timeout_request_read: float, max_header_bytes: int = 16 * 1024) -> type[Any]:
    """The protocol with these limits (uvicorn builds protocols from a class)."""
    base = _httptools_protocol() or RequestReadTimeoutProtocol
    return type(
        base.__name__,
        (base,),
        {"timeout_request_read": timeout_request_read, "max_header_bytes": max_header_bytes},
    )


def _config_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        # JSON logs: uvicorn's loggers propagate to the root logger's JSON handler.
        "log_config": None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        "http": protocol_class(settings.timeout_request_read, settings.max_header_bytes),
        "timeout_keep_alive": settings.timeout_keep_alive,
        "limit_concurrency": settings.limit_concurrency or None,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "workers": settings.workers,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
    }


def uvicorn_config(app: Any, settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(app, **_config_options(settings))


def _short_startup_failure(app: ASGIApp) -> ASGIApp:
    """``app`` whose failed lifespan start-up is reported in one line (the error's last
    line: its type and message), not the whole traceback Starlette hands uvicorn."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return

        async def send_short(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed" and message.get("message"):
                message = {**message, "message": message["message"].strip().splitlines()[-1]}
            await send(message)

        await app(scope, receive, send_short)

    return wrapped


def run(app: Any, settings: Settings, after_startup: Callable[[], None]) -> None:
    """Serve ``app`` until interrupted; ``after_startup`` runs once the socket listens.
    A failed start-up exits with status 3 (as ``uvicorn`` does), in one line."""

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                after_startup()

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            super().handle_exit(sig, frame)
            if sig == signal.SIGTERM:
                # Stopped on request: exit 0 once shut down, instead of dying of the signal.
                self._captured_signals.remove(sig)

    server = Server(uvicorn_config(_short_startup_failure(app), settings))
    server.run()
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


# --- serve --workers N ----------------------------------------------------------------
#
# uvicorn's supervisor (``Multiprocess``) binds the socket once, starts N processes that
# accept on it, and replaces one that dies or stops answering its health pings. It starts
# them with ``spawn``, pickling their configuration: hookline's app and protocol class are
# built at run time and do not pickle, so the configuration travels as the Settings alone
# and each process builds its own app from them.


class _ProcessConfig(uvicorn.Config):
    """A uvicorn configuration that pickles as the settings it was built from."""

    settings: Settings

    def __reduce__(self) -> tuple[Any, tuple[Settings]]:
        return (process_config, (self.settings,))


def process_config(settings: Settings) -> uvicorn.Config:
    """The configuration of one of ``serve --workers``' processes (runs in that process)."""
    from hookline import logs
    from hookline.app import create_app

    logs.configure(settings.log_level, settings.log_format)
    config = _ProcessConfig(
        _short_startup_failure(create_app(settings)), **_config_options(settings)
    )
    config.settings = settings
    return config


class _Supervisor(Multiprocess):
    """uvicorn's supervisor, calling ``after_startup`` once every process serves."""

    #: Seconds each process has to come up before the banner is given up on (a process
    #: that fails to start stops the supervisor: uvicorn's STARTUP_FAILURE).
    READY_TIMEOUT = 120.0

    def __init__(
        self, config: uvicorn.Config, sockets: list[socket.socket], after: Callable[[], None]
    ) -> None:
        super().__init__(config, sockets)
        self.after_startup = after

    def init_processes(self) -> None:
        super().init_processes()
        ready = all(
            process.wait_until_ready(self.READY_TIMEOUT, self.should_exit)
            for process in self.processes
        )
        if ready:
            self.after_startup()

    def failed_to_start(self) -> bool:
        return any(process.exitcode == STARTUP_FAILURE for process in self.processes)


def run_processes(settings: Settings, after_startup: Callable[[], None]) -> int:
    """Serve with ``settings.workers`` processes on one port until SIGINT/SIGTERM; the
    exit status (non-zero when a process could not start)."""
    with tempfile.TemporaryDirectory(prefix="hookline-serve-") as directory:
        settings = dataclasses.replace(settings, supervisor_dir=directory)
        config = process_config(settings)
        supervisor = _Supervisor(config, [config.bind_socket()], after_startup)
        supervisor.run()
        return STARTUP_FAILURE if supervisor.failed_to_start() else 0
