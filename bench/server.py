"""Child processes of a benchmark run: hookline, the baseline app, receivers.

Everything binds to 127.0.0.1 on a free port; every wait is bounded; every process started
here is stopped here, by its own pid.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "5" * 32
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    """One child process with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_kb(self) -> int | None:
        """VmRSS of the process, from /proc (None once it has exited)."""
        try:
            text = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return None

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the process has used so far."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _wait_ready(proc: Proc, path: str, timeout: float) -> Proc:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited early:\n{proc.log_tail()}")
        try:
            with urllib.request.urlopen(proc.base_url + path, timeout=1):
                return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.05)
    proc.stop()
    raise RuntimeError(f"{proc.name} did not start within {timeout:g} s:\n{proc.log_tail()}")


def spawn(
    name: str,
    command: list[str],
    workdir: Path,
    ready_path: str,
    port: int,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Proc:
    log_path = workdir / f"{name}-{port}.log"
    environment = os.environ | {"PYTHONUNBUFFERED": "1"} | (env or {})
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=workdir
        )
    proc = Proc(name, process, f"http://{HOST}:{port}", log_path)
    return _wait_ready(proc, ready_path, timeout)


def hookline(
    workdir: Path, db_path: Path, *extra: str, log_level: str = "info", timeout: float = 120.0
) -> Proc:
    """``python -m hookline serve`` exactly as the README tells users to start it."""
    port = free_port()
    command = [sys.executable, "-m", "hookline", "serve", "--port", str(port)]
    command += ["--database-url", f"sqlite:///{db_path}", *extra]
    # bench_env: the hookline that sits next to this bench/ package, whatever is installed.
    env = bench_env() | {
        "HOOKLINE_ACCOUNT_SID": ACCOUNT_SID,
        "HOOKLINE_AUTH_TOKEN": AUTH_TOKEN,
        "HOOKLINE_LOG_LEVEL": log_level,
    }
    return spawn("hookline", command, workdir, "/_hookline/health", port, env, timeout)


def baseline(workdir: Path, log_level: str = "info") -> Proc:
    port = free_port()
    command = [sys.executable, "-m", "bench.baseline", "--port", str(port)]
    command += ["--log-level", log_level]
    return spawn("baseline", command, workdir, "/health", port, bench_env())


def receiver(workdir: Path, mode: str = "ok", name: str = "receiver") -> Proc:
    port = free_port()
    command = [sys.executable, "-m", "bench.receiver", "--port", str(port), "--mode", mode]
    return spawn(name, command, workdir, "/stats", port, bench_env())


def bench_env() -> dict[str, str]:
    """Children run ``-m bench.…``: make this checkout importable whatever their cwd."""
    root = str(Path(__file__).resolve().parent.parent)
    current = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": f"{root}{os.pathsep}{current}" if current else root}
