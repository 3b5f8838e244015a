"""What a run needs besides hookline's own dependencies, checked before anything starts."""

from __future__ import annotations

import importlib.util
import shutil

from bench.profile import py_spy

INSTALL = (
    "install the benchmark tools: `apt-get install -y wrk` (Debian/Ubuntu) and "
    "`pip install -e '.[bench]'` (uvloop, httptools, py-spy)"
)


def missing(pin: bool, profile: bool) -> list[str]:
    """Names of the missing tools (empty when the run can start)."""
    absent = [name for name in ("wrk",) if shutil.which(name) is None]
    if pin and shutil.which("taskset") is None:
        absent.append("taskset (util-linux)")
    absent += [name for name in ("uvloop", "httptools") if importlib.util.find_spec(name) is None]
    if profile and py_spy() is None:
        absent.append("py-spy")
    return absent
