"""``--profile``: py-spy samples hookline (and its children) during a measured window.

The raw output (collapsed stacks, one line per stack with its sample count) is saved, and
beside it a summary of the functions with the most samples, on-CPU (``self``) and including
callees (``total``), for RESULTS.md. py-spy runs non-blocking so it barely slows hookline.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path


def py_spy() -> str | None:
    """py-spy next to this Python (pyenv shims cannot be traced through), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextlib.contextmanager
def recording(pid: int, out: Path, enabled: bool) -> Iterator[list[str]]:
    """Sample ``pid`` while the block runs; yields a list that receives the notes."""
    notes: list[str] = []
    binary = py_spy() if enabled else None
    if binary is None:
        if enabled:
            notes.append("--profile: py-spy not found (pip install py-spy); no profile.")
        yield notes
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_suffix(".txt")
    command = [binary, "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--function"]
    command += ["--format", "raw", "--output", str(raw)]
    log = out.with_suffix(".log")
    with log.open("wb") as log_file:
        spy = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        yield notes
    finally:
        spy.send_signal(signal.SIGINT)
        try:
            spy.wait(60)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait(5)
    if raw.exists():
        summary = out.with_suffix(".top.txt")
        summary.write_text(summarize(raw.read_text()))
        notes.append(f"profile: {raw} (py-spy raw), top functions in {summary}")
    else:
        notes.append(f"--profile: py-spy wrote nothing; see {log}")


def summarize(raw: str, top: int = 30) -> str:
    """The functions with the most samples, self and total, from py-spy's raw format."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        frames = stack.split(";")
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{samples} samples", "", "self %  function (file:line)"]
    lines += [f"{100 * n / samples:6.1f}  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "total %  function (file:line)"]
    lines += [f"{100 * n / samples:6.1f}  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines) + "\n" if samples else "no samples\n"
