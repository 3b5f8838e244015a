"""A receiver that misbehaves on purpose, by path, on one host:port (raw sockets: an HTTP
library would not let it answer half a response or one byte a second).

- ``/ok``: answers 200 at once.
- ``/hang``: reads the request and never answers.
- ``/drip``: answers one byte a second.
- ``/close``: sends half a status line and closes.
- ``/huge``: answers 200 with a 50 MB body.

Every request is recorded when it has been read (``arrivals``), and so is the moment the
client gave up on a ``/hang`` or ``/drip`` connection (``ended``), in one ordered log.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

HUGE_BYTES = 50 * 1024 * 1024


@dataclass
class Seen:
    kind: str  # "arrived" or "ended"
    path: str
    query: str
    headers: dict[str, str]
    params: dict[str, str]
    at: float


class BadReceiver:
    def __init__(self) -> None:
        self.log: list[Seen] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        receiver = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                receiver._serve(self.request)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    # --- the test's side -------------------------------------------------------------

    def seen(self, kind: str = "arrived", path: str | None = None) -> list[Seen]:
        with self._cond:
            return [s for s in self.log if s.kind == kind and path in (None, s.path)]

    def wait(self, what: str, condition: object, timeout: float = 120.0) -> None:
        """Wait until ``condition()`` (called under the lock) is true."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():  # type: ignore[operator]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting until {what}")
                self._cond.wait(left)

    # --- the server's side -----------------------------------------------------------

    def _note(self, seen: Seen) -> None:
        with self._cond:
            self.log.append(seen)
            self._cond.notify_all()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(None)
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split(" ")[1]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            while len(buffer) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            body, buffer = buffer[:length], buffer[length:]
            parts = urlsplit(target)
            params = dict(parse_qsl(body.decode("utf-8", "replace")))
            seen = Seen("arrived", parts.path, parts.query, headers, params, time.time())
            self._note(seen)
            if not self._answer(conn, parts.path, seen):
                return

    def _answer(self, conn: socket.socket, path: str, seen: Seen) -> bool:
        """Answer as ``path`` says; whether the connection may serve another request."""
        try:
            if path == "/hang":
                conn.settimeout(0.2)
                while not self._stop.is_set():
                    try:
                        if not conn.recv(1):
                            break  # the client gave up
                    except TimeoutError:
                        continue
                self._note(Seen("ended", path, seen.query, {}, {}, time.time()))
                return False
            if path == "/drip":
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                    conn.sendall(bytes([byte]))
                    # The receiver's own slowness (the behaviour under test), not a wait.
                    if self._stop.wait(1.0):
                        break
                self._note(Seen("ended", path, seen.query, {}, {}, time.time()))
                return False
            if path == "/close":
                conn.sendall(b"HTTP/1.1 2")
                conn.shutdown(socket.SHUT_RDWR)
                return False
            if path == "/huge":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % HUGE_BYTES)
                chunk = b"x" * 65536
                for _ in range(HUGE_BYTES // len(chunk)):
                    conn.sendall(chunk)
                return False
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            return True
        except OSError:
            self._note(Seen("ended", path, seen.query, {}, {}, time.time()))
            return False
