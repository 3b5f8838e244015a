"""A real HTTP receiver on a loopback port that records every webhook it gets.

Tests script its answers: ``receiver.respond(path, status, body, delay)``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Received:
    method: str
    path: str
    url: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, str]
    #: Wall-clock time it arrived (before any scripted delay).
    received_at: float = field(default_factory=time.time)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.answers: dict[str, list[Answer]] = {}
        self.default: dict[str, Answer] = {}
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query if self.command == "GET" else body.decode()))
                host = self.headers.get("Host", "")
                received = Received(
                    method=self.command,
                    path=parts.path,
                    url=f"http://{host}{self.path}",
                    headers={k: v for k, v in self.headers.items()},
                    body=body,
                    params=params,
                )
                answer = receiver._answer(parts.path)
                if answer.delay:
                    time.sleep(answer.delay)
                with receiver._cond:
                    receiver.requests.append(received)
                    receiver._cond.notify_all()
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:
                    pass

            do_GET = _handle
            do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _answer(self, path: str) -> Answer:
        with self._lock:
            queue = self.answers.get(path)
            if queue:
                return queue.pop(0)
            return self.default.get(path, Answer())

    def respond(
        self,
        path: str,
        status: int = 200,
        body: Any = b"",
        delay: float = 0.0,
        times: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer ``path`` this way ``times`` times (forever when ``None``)."""
        raw = json.dumps(body).encode() if isinstance(body, dict | list) else body
        if isinstance(raw, str):
            raw = raw.encode()
        answer = Answer(status, raw, delay, headers or {})
        with self._lock:
            if times is None:
                self.default[path] = answer
            else:
                self.answers.setdefault(path, []).extend([answer] * times)

    def wait_for(
        self, count: int, timeout: float = 10.0, path: str | None = None, event: str | None = None
    ) -> list[Received]:
        """Block until ``count`` matching requests arrived; return them (fails on timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.matching(path, event)
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} requests (path={path}, event={event}), got "
                        f"{len(found)}: {[r.params.get('EventType') for r in self.requests]}"
                    )
                self._cond.wait(left)

    def matching(self, path: str | None = None, event: str | None = None) -> list[Received]:
        return [
            r
            for r in list(self.requests)
            if (path is None or r.path == path)
            and (event is None or r.params.get("EventType") == event)
        ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
