"""hookline installs the ways the README and docs/operations.md say, on a clean copy.

- ``scripts/serve`` with Debian's system Python (externally managed, PEP 668: pip refuses
  to install into it) creates .venv, installs and starts; started again, it skips pip.
  ``scripts/test`` then installs the test extras into the same .venv, once.
- ``pip install .`` (not editable) and ``python -m build``'s wheel, each in a fresh
  virtual environment, give a ``hookline`` that serves the inspector's static files and
  migrates a new database, run from outside the source tree.

These install from the package index into new environments (a minute or more each):
``-m "not install"`` leaves them out. Waits are on output and answers, with deadlines.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, free_port

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = Path("/usr/bin/python3")
INSTALL_TIMEOUT = 900.0
BANNER = "export HOOKLINE_URL="
SKIPPED_PIP = "(pyproject.toml unchanged), skipping pip"
INSTALLING = "hookline: installing"


def clean_copy(destination: Path) -> Path:
    """The repository as a fresh clone has it (committed files only, no .venv)."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        subprocess.run(["git", "clone", "-q", str(ROOT), str(destination)], check=True)
        return destination
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.db*", "out", "*.egg-info")
    shutil.copytree(ROOT, destination, ignore=ignore)
    return destination


def plain_environment(**extra: str) -> dict[str, str]:
    """No virtual environment active, nothing of this test run's Python on the path."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not key.startswith("PYTEST")
    }
    return environment | {"PATH": "/usr/bin:/bin"} | extra


class Output:
    """A process whose output goes to a file, read while it runs."""

    def __init__(self, command: list[str], cwd: Path, log: Path, env: dict[str, str]) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if self.process.poll() is not None:
                raise AssertionError(f"exited {self.process.returncode}:\n{self.text()[-5000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {needle!r} within {timeout}s:\n{self.text()[-5000:]}")
            time.sleep(0.2)  # the log is a file: poll it until the line is there

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(10)


def _externally_managed(python: Path) -> bool:
    stdlib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(stdlib, "EXTERNALLY-MANAGED").exists()


def _has_venv(python: Path) -> bool:
    check = [str(python), "-c", "import ensurepip, venv"]
    return subprocess.run(check, capture_output=True).returncode == 0


@pytest.mark.skipif(
    not SYSTEM_PYTHON.exists()
    or not _externally_managed(SYSTEM_PYTHON)
    or not _has_venv(SYSTEM_PYTHON),
    reason="needs Debian's externally managed /usr/bin/python3 with python3-venv (.ci/run)",
)
def test_the_readme_commands_with_the_system_python_install_once(tmp_path: Path) -> None:
    copy = clean_copy(tmp_path / "hookline")
    env = plain_environment(HOOKLINE_ACCOUNT_SID=ACCOUNT_SID, HOOKLINE_AUTH_TOKEN=AUTH_TOKEN)
    # What the issue saw: the system Python refuses a plain pip install.
    refused = subprocess.run(
        ["python3", "-m", "pip", "install", "-e", "."],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr

    first = Output(["scripts/serve", "--port", str(free_port())], copy, tmp_path / "1.log", env)
    try:
        first.wait_for(BANNER, INSTALL_TIMEOUT)
    finally:
        assert first.stop() in (0, -15), first.text()
    assert "creating a virtual environment in .venv" in first.text()
    assert INSTALLING in first.text()
    stamps = list((copy / ".venv").glob(".hookline-installed*"))
    assert len(stamps) == 1
    stamped = stamps[0].stat().st_mtime_ns

    again = Output(["scripts/serve", "--port", str(free_port())], copy, tmp_path / "2.log", env)
    started = time.monotonic()
    try:
        again.wait_for(BANNER, INSTALL_TIMEOUT)
    finally:
        again.stop()
    took = time.monotonic() - started
    assert SKIPPED_PIP in again.text(), again.text()
    assert INSTALLING not in again.text() and "creating a virtual" not in again.text()
    assert stamps[0].stat().st_mtime_ns == stamped
    print(f"second start: banner after {took:.1f} s (no assertion on time: a busy machine)")

    # scripts/test, in the same checkout: the test extras go into the same .venv, once.
    one_test = ["scripts/test", "-p", "no:cacheprovider", "tests/unit/test_clock.py"]
    for attempt, expected in enumerate((INSTALLING, SKIPPED_PIP)):
        run = subprocess.run(
            one_test, cwd=copy, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
        )
        output = run.stdout + run.stderr
        assert run.returncode == 0, output[-5000:]
        assert expected in output and " passed" in output, (attempt, output[-5000:])
        assert "creating a virtual" not in output


def _fresh_venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    return where / "bin"


def _pip(bin_dir: Path, *args: str) -> None:
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", *args],
        check=True,
        env=plain_environment(PIP_ROOT_USER_ACTION="ignore"),
        timeout=INSTALL_TIMEOUT,
    )


def _get(url: str) -> tuple[int, bytes]:
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {credentials}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


@pytest.fixture(params=["pip install .", "python -m build"])
def installed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A fresh virtual environment with hookline installed from a clean copy, non-editable."""
    copy = clean_copy(tmp_path / "source")
    bin_dir = _fresh_venv(tmp_path / "venv")
    if request.param == "pip install .":
        _pip(bin_dir, str(copy))
    else:
        dist = tmp_path / "dist"
        build = [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(copy)]
        subprocess.run(build, check=True, timeout=INSTALL_TIMEOUT, capture_output=True)
        (wheel,) = dist.glob("hookline-*.whl")
        _pip(bin_dir, str(wheel))
    shutil.rmtree(copy)  # nothing may come from the source tree
    yield bin_dir


def test_an_installed_hookline_serves_its_inspector_and_migrates(
    installed: Path, tmp_path: Path
) -> None:
    where = subprocess.run(
        [str(installed / "python"), "-c", "import hookline; print(hookline.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    purelib = sysconfig.get_path("purelib", vars={"base": str(installed.parent)})
    assert where.startswith(purelib), where
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    port = free_port()
    env = plain_environment(HOOKLINE_ACCOUNT_SID=ACCOUNT_SID, HOOKLINE_AUTH_TOKEN=AUTH_TOKEN)
    command = [str(installed / "hookline"), "serve", "--port", str(port)]
    server = Output(command, run_dir, tmp_path / "serve.log", env)
    try:
        server.wait_for(BANNER, 120)
        assert "database schema migrated to " in server.text()  # migrations shipped and run
        assert "(was empty)" in server.text()
        base = f"http://127.0.0.1:{port}"
        status, page = _get(f"{base}/_hookline/ui")
        assert status == 200 and b"inspector.js" in page
        for name, marker in (("inspector.js", b"function"), ("inspector.css", b"{")):
            status, body = _get(f"{base}/_hookline/ui/static/{name}")
            assert status == 200 and marker in body, name
        status, config = _get(f"{base}/v1/Configuration")
        assert status == 200 and b"default_chat_service_sid" in config
    finally:
        assert server.stop() in (0, -15), server.text()
    assert (run_dir / "hookline.db").exists()
