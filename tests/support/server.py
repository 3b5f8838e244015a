"""Start the real ``hookline serve`` in a subprocess, the way the README tells users to."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "2" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    database_url: str
    log_path: Path
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    tmp: Path, database_url: str | None = None, *extra: str, env: dict[str, str] | None = None
) -> ServerProcess:
    port = free_port()
    database_url = database_url or f"sqlite:///{tmp / 'hookline.db'}"
    log_path = tmp / f"server-{port}.log"
    environment = (
        os.environ
        | {
            "HOOKLINE_ACCOUNT_SID": ACCOUNT_SID,
            "HOOKLINE_AUTH_TOKEN": AUTH_TOKEN,
            "HOOKLINE_LOG_LEVEL": "info",
        }
        | (env or {})
    )
    command = [
        sys.executable,
        "-m",
        "hookline",
        "serve",
        "--port",
        str(port),
        "--database-url",
        database_url,
        *extra,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
    base = f"http://127.0.0.1:{port}"
    server = ServerProcess(process, base, database_url, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hookline exited early:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{base}/_hookline/health", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"hookline did not start:\n{server.log()}")


def start_worker(
    database_url: str, log_path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """A ``hookline worker`` process on ``database_url``; its output goes to ``log_path``."""
    command = [sys.executable, "-m", "hookline", "worker", "--database-url", database_url]
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=os.environ | (env or {})
        )
