"""``hookline serve`` in a subprocess on a free port, with its own SQLite database and a
manual clock, for tests.

    with HooklineServer(tmp_dir) as server:
        server.client.conversations.v1.conversations.create(friendly_name="demo")
        server.advance(3600)
        server.reset()
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from twilio.rest import Client

from hookline.client import client as hookline_client

STARTUP_TIMEOUT = 30.0
#: How long ``advance()`` waits for deliveries in flight (a receiver may be slow).
SETTLE_TIMEOUT = 60.0
#: A port taken between choosing it and the server binding it: try another.
START_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HooklineServer:
    """A hookline server process. ``start()`` (or ``with``) runs it; ``stop()`` ends it."""

    def __init__(self, directory: Path | str | None = None, *extra_args: str) -> None:
        self.directory = Path(directory or tempfile.mkdtemp(prefix="hookline-"))
        self.extra_args = extra_args
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.database_url = f"sqlite:///{self.directory / 'hookline.db'}"
        self.log_path = self.directory / "hookline.log"
        self.base_url = ""
        self.service_sid = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._client: Client | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> HooklineServer:
        for _ in range(START_ATTEMPTS):
            if self._start_on(free_port()):
                config = self.request("GET", "/v1/Configuration")
                self.service_sid = str(config["default_chat_service_sid"])
                return self
        raise RuntimeError(f"hookline did not start:\n{self.log()}")

    def _start_on(self, port: int) -> bool:
        environment = os.environ | {
            "HOOKLINE_ACCOUNT_SID": self.account_sid,
            "HOOKLINE_AUTH_TOKEN": self.auth_token,
        }
        command = [sys.executable, "-m", "hookline", "serve", "--port", str(port)]
        command += ["--database-url", self.database_url, "--manual-clock", *self.extra_args]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=environment
            )
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.base_url}/_hookline/health", timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)  # the process is still starting: poll its health again
        self.stop()
        raise RuntimeError(f"hookline did not answer within {STARTUP_TIMEOUT}s:\n{self.log()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def __enter__(self) -> HooklineServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- using it --------------------------------------------------------------------

    @property
    def client(self) -> Client:
        """A ``twilio.rest.Client`` whose requests go to this server."""
        if self._client is None:
            self._client = hookline_client(self.base_url, self.account_sid, self.auth_token)
        return self._client

    def reset(self) -> None:
        """Delete all of the account's data; the account and its default service stay."""
        self.request("POST", "/_hookline/reset")

    def advance(self, seconds: float) -> str:
        """Move the server's manual clock forward; due timers and retries run at once.
        Returns the server's new time (ISO 8601).

        First waits until no delivery is being sent: an attempt whose answer arrived is
        recorded (and its retry scheduled) at the time it was made, not after the jump,
        which would push the retry past the new time."""
        self.settle()
        return str(self.request("POST", "/_hookline/clock", {"Seconds": str(seconds)})["now"])

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait until the account has no delivery in flight (status ``sending``)."""
        deadline = time.monotonic() + timeout
        query = {"Status": "sending", "Limit": "1"}
        while self.request("GET", "/_hookline/deliveries", query)["deliveries"]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"deliveries still being sent after {timeout}s")
            time.sleep(0.02)  # an attempt is in flight: ask again shortly

    def request(self, method: str, path: str, params: dict[str, str] | None = None) -> Any:
        """Call the server with the account's credentials; the decoded JSON answer."""
        url = self.base_url + path
        data = None
        if params and method == "GET":
            url += "?" + urlencode(params)
        elif params is not None:
            data = urlencode(params).encode()
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode())
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", "Basic " + credentials.decode())
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise RuntimeError(f"{method} {path}: {error.code} {detail}") from None
        return json.loads(body) if body else None
