"""A real HTTP receiver on a loopback port that records every webhook it gets.

It can be an Event Streams sink too: a JSON body is parsed (:attr:`Received.json`,
:attr:`Received.cloudevents`), its signature checked on twilio's JSON path (the URL's
``bodySHA256`` against the raw body), and ``event_type`` is the CloudEvent ``type``.

Thread-safe: requests arrive on the server's threads, tests wait on a condition variable
(no polling, no sleeps) until enough matching requests are there.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


@dataclass
class Received:
    """One request as it arrived: ``params`` are the form fields (POST) or the query (GET)."""

    method: str
    path: str
    url: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, str]
    #: ``X-Twilio-Signature`` checked by twilio's ``RequestValidator`` with the Auth Token
    #: the receiver was given; False when it has none or the header is missing.
    signature_valid: bool = False
    #: Wall-clock time it arrived (before any scripted delay).
    received_at: float = field(default_factory=time.time)

    @property
    def json(self) -> Any:
        """The body parsed as JSON (Event Streams sink requests), else None."""
        if "json" not in self.headers.get("Content-Type", "").lower():
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def cloudevents(self) -> list[dict[str, Any]]:
        """The CloudEvents of a sink request (a batch's array, or the one event)."""
        found = self.json
        if isinstance(found, dict):
            return [found]
        if isinstance(found, list):
            return [event for event in found if isinstance(event, dict)]
        return []

    @property
    def event_type(self) -> str | None:
        """``EventType`` of a webhook, or the (first) CloudEvent ``type`` of a sink request."""
        found = self.params.get("EventType")
        if found is None and self.cloudevents:
            return str(self.cloudevents[0].get("type"))
        return found


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def _encode(body: Any, headers: dict[str, str]) -> bytes:
    if body is None:
        return b""
    if isinstance(body, dict | list):
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(body).encode()
    if isinstance(body, str):
        return body.encode()
    return bytes(body)


class WebhookReceiver:
    """Listens on ``127.0.0.1`` on a free port until :meth:`close`."""

    def __init__(self, auth_token: str | None = None, host: str = "127.0.0.1") -> None:
        self.auth_token = auth_token
        self.requests: list[Received] = []
        self._answers: dict[str, list[Answer]] = {}
        self._default: dict[str, Answer] = {}
        self._cond = threading.Condition()
        self.server = ThreadingHTTPServer((host, 0), self._handler_class())
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    # --- the test's side -------------------------------------------------------------

    def url(self, path: str = "/") -> str:
        """The full URL of ``path`` on this receiver, to configure as a webhook."""
        return self.base + (path if path.startswith("/") else "/" + path)

    def respond(
        self,
        path: str,
        status: int = 200,
        body: Any = None,
        delay: float = 0,
        *,
        times: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer requests to ``path`` with ``status`` and ``body`` (bytes, str, or a dict or
        list sent as JSON) after ``delay`` seconds; the next ``times`` requests only, when
        given (then the earlier answer again), else from now on."""
        answer_headers = dict(headers or {})
        answer = Answer(status, _encode(body, answer_headers), delay, answer_headers)
        with self._cond:
            if times is None:
                self._default[path] = answer
            else:
                self._answers.setdefault(path, []).extend([answer] * times)

    def matching(self, path: str | None = None, event_type: str | None = None) -> list[Received]:
        """The requests received so far to ``path`` with ``EventType`` ``event_type``."""
        with self._cond:
            return [
                r
                for r in self.requests
                if (path is None or r.path == path)
                and (event_type is None or r.event_type == event_type)
            ]

    def wait_for(
        self,
        count: int = 1,
        path: str | None = None,
        event_type: str | None = None,
        timeout: float = 10,
    ) -> list[Received]:
        """The matching requests, once there are at least ``count`` of them; an
        ``AssertionError`` naming what did arrive after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.matching(path, event_type)
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(r.path, r.event_type) for r in self.requests]
                    raise AssertionError(
                        f"expected {count} request(s) (path={path!r}, event_type="
                        f"{event_type!r}) within {timeout}s, got {len(found)}; "
                        f"received: {seen}"
                    )
                self._cond.wait(left)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the server's side -----------------------------------------------------------

    def _answer(self, path: str) -> Answer:
        with self._cond:
            queue = self._answers.get(path)
            if queue:
                return queue.pop(0)
            return self._default.get(path, Answer())

    def _signature_valid(
        self, url: str, method: str, params: dict[str, str] | str, sig: str
    ) -> bool:
        """``params``: the form (webhooks), or the raw JSON body (sinks: validated against
        the URL's ``bodySHA256``)."""
        if not self.auth_token or not sig:
            return False
        validator = RequestValidator(self.auth_token)
        if isinstance(params, str):
            return bool(validator.validate(url, params, sig))
        return bool(validator.validate(url, {} if method == "GET" else params, sig))

    def _record(self, received: Received) -> None:
        with self._cond:
            self.requests.append(received)
            self._cond.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                text = body.decode("utf-8", "replace")
                is_json = "json" in (self.headers.get("Content-Type") or "").lower()
                form = parts.query if self.command == "GET" or is_json else text
                params = dict(parse_qsl(form, keep_blank_values=True))
                url = f"http://{self.headers.get('Host', '')}{self.path}"
                signature = self.headers.get(SIGNATURE_HEADER, "")
                signed: dict[str, str] | str = text if is_json else params
                received = Received(
                    method=self.command,
                    path=parts.path,
                    url=url,
                    headers=dict(self.headers.items()),
                    body=body,
                    params=params,
                    signature_valid=receiver._signature_valid(url, self.command, signed, signature),
                )
                answer = receiver._answer(parts.path)
                if answer.delay:
                    # The answer's own latency (a slow app), not synchronisation.
                    time.sleep(answer.delay)
                receiver._record(received)
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

        return Handler
