"""CPU time and memory of a process and everything it started, from /proc."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        # The command name may contain spaces and parentheses: split after the last ")".
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def children_map() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process visible in /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    """``pid`` and every live process below it."""
    tree = children_map()
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def tree_cpu_seconds(pid: int) -> float | None:
    """utime + stime of ``pid`` and its live descendants, plus what their exited children
    used (cutime + cstime); None once ``pid`` has exited."""
    total = 0
    for index, member in enumerate(descendants(pid)):
        fields = _stat_fields(member)
        if fields is None:
            if index == 0:
                return None
            continue
        # After the command name: state is fields[0], utime is fields[11] … cstime fields[14].
        total += sum(int(value) for value in fields[11:15])
    return total / _TICKS


def rss_kb(pid: int) -> int | None:
    """VmRSS of one process (None once it has exited)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def tree_rss_kb(pid: int) -> int | None:
    sizes = [rss_kb(member) for member in descendants(pid)]
    return sum(size for size in sizes if size) if sizes and sizes[0] is not None else None


def online_cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))
