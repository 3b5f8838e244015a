"""A PostgreSQL cluster of a test's own (scripts/pg-test-server), to stop and start.

The suite's shared server (HOOKLINE_TEST_POSTGRES_URL) must keep running for the other
tests; a test that takes its database away starts this one instead.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg-test-server"


def available() -> bool:
    """Whether PostgreSQL's server binaries are installed (``initdb``)."""
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb"))


class Cluster:
    """``start()`` prints nothing and sets :attr:`url`; ``pause()``/``resume()`` are an
    outage (``pg_ctl stop -m fast`` / ``start``: same port, same data)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.url = ""

    def _run(self, action: str) -> str:
        result = subprocess.run(
            [str(SCRIPT), action, str(self.directory)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout

    def start(self) -> str:
        output = self._run("start")
        self.url = output.strip().rpartition("=")[2]
        return self.url

    def pause(self) -> None:
        self._run("pause")

    def resume(self) -> None:
        self._run("resume")

    def stop(self) -> None:
        self._run("stop")
