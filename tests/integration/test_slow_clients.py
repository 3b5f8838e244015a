"""A real ``hookline serve`` closes connections that are slow to send, or idle, or too many.

Each test waits on the condition (the server closing the socket) with a generous bound,
against short configured limits (1 s). The close is timed: it must come no sooner than
the configured limit (timers never fire early, however busy the machine) and before the
default limit (10 s to read a request, 5 s of keep-alive), so a limit that was not
applied, leaving the default, fails.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.server import ServerProcess, start_server

BOUND = 30.0  # seconds: far above the 1 s limits, for a busy machine
LIMIT = 1.0  # the configured --timeout-request-read and --timeout-keep-alive
EARLY = 0.05  # clock granularity between this process and the server's timer
DEFAULT_READ = 10.0  # hookline's --timeout-request-read default
DEFAULT_KEEP_ALIVE = 5.0  # hookline's --timeout-keep-alive default
PARTIAL = b"GET /_hookline/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
REQUEST = b"GET /_hookline/health HTTP/1.1\r\nHost: localhost\r\n\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp: Path = tmp_path_factory.mktemp("slow")
    process = start_server(tmp, None, "--timeout-request-read", "1", "--timeout-keep-alive", "1")
    yield process
    process.stop()


def connect(server: ServerProcess) -> socket.socket:
    address = urlsplit(server.base_url)
    sock = socket.create_connection((address.hostname, address.port), timeout=BOUND)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Read until the server closes the connection (True) or BOUND passes (False)."""
    return seconds_until_closed(sock, time.monotonic()) is not None


def seconds_until_closed(sock: socket.socket, since: float) -> float | None:
    """Seconds from ``since`` until the server closed the connection (None: not within
    BOUND)."""
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - since
        except ConnectionResetError:
            return time.monotonic() - since
        except TimeoutError:
            return None
    return None


def assert_configured_limit(seconds: float | None, default: float) -> None:
    assert seconds is not None, "the server never closed the connection"
    assert LIMIT - EARLY <= seconds < default, f"closed after {seconds:.2f} s"


def test_a_stalled_request_header_is_disconnected(server: ServerProcess) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(PARTIAL)
        assert_configured_limit(seconds_until_closed(sock, started), DEFAULT_READ)
    with connect(server) as sock:  # the server still answers complete requests
        sock.sendall(REQUEST)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")


def test_a_silent_connection_is_disconnected(server: ServerProcess) -> None:
    started = time.monotonic()
    with connect(server) as sock:
        # Whichever limit closes it (read or keep-alive), it is a configured one.
        assert_configured_limit(seconds_until_closed(sock, started), DEFAULT_KEEP_ALIVE)


def test_a_trickling_header_is_disconnected(server: ServerProcess) -> None:
    """Sending a byte now and then does not keep a request open past the read timeout."""
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(PARTIAL)
        sock.settimeout(0.2)  # pace of the trickle, not a synchronisation
        deadline = time.monotonic() + BOUND
        closed = False
        while not closed and time.monotonic() < deadline:
            try:
                sock.sendall(b"x")
                closed = sock.recv(4096) == b""
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
        assert closed
        assert_configured_limit(time.monotonic() - started, DEFAULT_READ)


def test_an_idle_keep_alive_connection_is_disconnected(server: ServerProcess) -> None:
    with connect(server) as sock:
        sock.sendall(REQUEST)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        answered = time.monotonic()
        assert_configured_limit(seconds_until_closed(sock, answered), DEFAULT_KEEP_ALIVE)


def read_until_closed(sock: socket.socket) -> bytes:
    sock.settimeout(BOUND)
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


def test_too_many_connections_get_503_in_twilios_error_shape(tmp_path: Path) -> None:
    server = start_server(tmp_path, None, "--limit-concurrency", "3")
    held: list[socket.socket] = []
    try:
        held = [connect(server) for _ in range(3)]
        deadline = time.monotonic() + BOUND
        answer = b""
        while answer[9:12] != b"503" and time.monotonic() < deadline:
            with connect(server) as sock:
                sock.sendall(REQUEST)
                answer = read_until_closed(sock)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503")
        headers = head.lower().split(b"\r\n")
        # httptools is a dependency (uvicorn[standard]); h11, the fallback parser when it is
        # missing, still answers uvicorn's text/plain (docs/cli.md).
        for header in (b"connection: close", b"retry-after: 1", b"content-type: application/json"):
            assert header in headers
        assert json.loads(body) == {
            "code": 20503,
            "message": "Too many requests in progress on this server; retry the request",
            "more_info": "https://www.twilio.com/docs/errors/20503",
            "status": 503,
        }
    finally:
        for sock in held:
            sock.close()
        server.stop()


def test_an_oversized_header_gets_400(server: ServerProcess) -> None:
    """``--max-header-bytes`` (default 16 KiB) holds with either HTTP parser."""
    big = b"GET /_hookline/health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 20_000
    with connect(server) as sock:
        sock.sendall(big + b"\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400")
    with connect(server) as sock:  # still arriving: refused before it ends
        sock.sendall(big)
        assert sock.recv(4096).startswith(b"HTTP/1.1 400")
