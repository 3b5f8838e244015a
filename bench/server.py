"""Child processes of a benchmark run: hookline, the baseline app, receivers, workers.

Everything binds to 127.0.0.1 on a free port; every wait is bounded; every process started
here is stopped here, by its own pid. ``pin`` runs a process under ``taskset -c CORE``
(its children inherit the affinity).
"""

from __future__ import annotations

import functools
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

from bench import proctree

ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "5" * 32
HOST = "127.0.0.1"
#: The documented default (HOOKLINE_PER_ENDPOINT_CONCURRENCY), set explicitly for hookline.
PER_ENDPOINT = int(os.environ.get("HOOKLINE_PER_ENDPOINT_CONCURRENCY", "8"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def pinned(command: list[str], pin: str | None) -> list[str]:
    return ["taskset", "-c", pin, *command] if pin else command


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
        return proctree.rss_kb(self.pid)

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the process and every process it started."""
        return proctree.tree_cpu_seconds(self.pid)

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
    ready_path: str | None,
    port: int,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
    pin: str | None = None,
) -> Proc:
    """Start ``command``; with ``ready_path``, wait until it answers HTTP there."""
    log_path = workdir / f"{name}-{port}.log"
    environment = os.environ | {"PYTHONUNBUFFERED": "1"} | (env or {})
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            pinned(command, pin), stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=workdir
        )
    proc = Proc(name, process, f"http://{HOST}:{port}", log_path)
    return _wait_ready(proc, ready_path, timeout) if ready_path else proc


def _hookline_env(log_level: str) -> dict[str, str]:
    # bench_env: the hookline that sits next to this bench/ package, whatever is installed.
    return bench_env() | {
        "HOOKLINE_ACCOUNT_SID": ACCOUNT_SID,
        "HOOKLINE_AUTH_TOKEN": AUTH_TOKEN,
        "HOOKLINE_LOG_LEVEL": log_level,
        "HOOKLINE_PER_ENDPOINT_CONCURRENCY": str(PER_ENDPOINT),
    }


@functools.cache
def fast_stack_options() -> tuple[str, ...]:
    """``--loop uvloop --http httptools`` when hookline's ``serve`` has those options (else
    uvicorn's ``auto`` picks them anyway when they are installed)."""
    help_text = subprocess.run(
        [sys.executable, "-m", "hookline", "serve", "--help"],
        capture_output=True,
        env=os.environ | bench_env(),
        check=False,
        timeout=60,
    ).stdout.decode()
    if "--loop" in help_text and "--http" in help_text:
        return ("--loop", "uvloop", "--http", "httptools")
    return ()


def hookline(
    workdir: Path,
    database_url: str,
    *extra: str,
    log_level: str = "info",
    timeout: float = 120.0,
    pin: str | None = None,
    name: str = "hookline",
) -> Proc:
    """``python -m hookline serve`` exactly as the README tells users to start it."""
    port = free_port()
    command = [sys.executable, "-m", "hookline", "serve", "--port", str(port)]
    command += ["--database-url", database_url, *fast_stack_options(), *extra]
    env = _hookline_env(log_level)
    return spawn(name, command, workdir, "/_hookline/health", port, env, timeout, pin)


def worker(
    workdir: Path, database_url: str, log_level: str = "info", pin: str | None = None
) -> Proc:
    """``python -m hookline worker``: delivery only, no HTTP (its URL is never called)."""
    port = free_port()  # only names the log file
    command = [sys.executable, "-m", "hookline", "worker", "--database-url", database_url]
    return spawn("worker", command, workdir, None, port, _hookline_env(log_level), pin=pin)


def baseline(workdir: Path, log_level: str = "info", pin: str | None = None) -> Proc:
    port = free_port()
    command = [sys.executable, "-m", "bench.baseline", "--port", str(port)]
    command += ["--log-level", log_level]
    return spawn("baseline", command, workdir, "/health", port, bench_env(), pin=pin)


def receiver(
    workdir: Path,
    mode: str = "ok",
    name: str = "receiver",
    pin: str | None = None,
    record: Path | None = None,
    arrivals: bool = False,
    delay: float = 0.0,
) -> Proc:
    port = free_port()
    command = [sys.executable, "-m", "bench.receiver", "--port", str(port), "--mode", mode]
    if record is not None:
        command += ["--record", str(record)]
    if arrivals:
        command.append("--arrivals")
    if delay:
        command += ["--delay", str(delay)]
    return spawn(name, command, workdir, "/stats", port, bench_env(), pin=pin)


def bench_env() -> dict[str, str]:
    """Children run ``-m bench.…``: make this checkout importable whatever their cwd."""
    root = str(Path(__file__).resolve().parent.parent)
    current = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": f"{root}{os.pathsep}{current}" if current else root}
