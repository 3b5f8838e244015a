"""HTTP load from ``wrk`` (the Debian package), so the load generator is never the limit.

One wrk thread per instance, pinned to the load core; a generated Lua script sends the form
(a unique body per request: its last field gets ``+N``) with Basic auth and extra headers,
and prints its summary as one JSON line from ``done()``. A warm-up run precedes the measured
one; only the measured run counts. Around the measured run the CPU time of the given process
trees (hookline, the baseline app, PostgreSQL) and of wrk itself is recorded.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import proctree
from bench.server import pinned

_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
{headers}
local prefix = {prefix}
local counter = 0
function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, prefix .. "+" .. counter)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "mean_us": %.1f}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclass
class WrkSpec:
    url: str
    concurrency: int
    #: Whole seconds (wrk takes no fractions).
    duration: int
    warmup: int = 1
    form: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    pin: str | None = None


def available() -> bool:
    return shutil.which("wrk") is not None


def _script(spec: WrkSpec, workdir: Path) -> Path:
    headers = "\n".join(
        f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}"
        for name, value in spec.headers.items()
    )
    text = _LUA.format(headers=headers, prefix=json.dumps(urlencode(spec.form)))
    path = workdir / f"wrk-{time.monotonic_ns()}.lua"
    path.write_text(text)
    return path


def _command(spec: WrkSpec, script: Path, seconds: int) -> list[str]:
    command = ["wrk", "-t1", f"-c{spec.concurrency}", f"-d{max(1, seconds)}s", "--timeout", "30s"]
    return pinned([*command, "-s", str(script), spec.url], spec.pin)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _parse(stdout: str, stderr: str) -> dict[str, Any]:
    for line in stdout.splitlines():
        if line.startswith("WRKJSON "):
            raw: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
            return raw
    raise RuntimeError(f"wrk printed no summary:\n{stdout[-2000:]}\n{stderr[-2000:]}")


def _summary(raw: dict[str, Any], concurrency: int) -> dict[str, Any]:
    elapsed = raw["duration_us"] / 1e6
    ok = raw["requests"] - raw["status"]
    errors = raw["status"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "ok": ok,
        "errors": errors,
        "wrk_errors": {key: raw[key] for key in ("connect", "read", "write", "status", "timeout")},
        "elapsed_s": round(elapsed, 3),
        "throughput_rps": round(ok / elapsed, 2) if elapsed > 0 else 0.0,
        "concurrency": concurrency,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "mean_ms": round(raw["mean_us"] / 1000, 3),
    }


def _run_all(
    specs: list[WrkSpec], workdir: Path, seconds: list[int]
) -> tuple[list[dict[str, Any]], float]:
    """Run one wrk per spec at the same time; their summaries and wrk's total CPU seconds."""
    scripts = [_script(spec, workdir) for spec in specs]
    cpu_before = _children_cpu()
    running = [
        subprocess.Popen(
            _command(spec, script, secs),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for spec, script, secs in zip(specs, scripts, seconds, strict=True)
    ]
    outputs = [
        process.communicate(timeout=secs + 120)
        for process, secs in zip(running, seconds, strict=True)
    ]
    cpu = _children_cpu() - cpu_before
    summaries = [
        _summary(_parse(out, err), spec.concurrency)
        for (out, err), spec in zip(outputs, specs, strict=True)
    ]
    return summaries, cpu


def run(
    specs: WrkSpec | list[WrkSpec], workdir: Path, watch: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Warm up, then measure; one spec, or several wrk instances at once (summed).

    ``watch`` names process trees (name -> pid) whose CPU time is taken around the
    measured run: ``cpu_s[name]`` and, per successful request, ``cpu_ms_per_req[name]``.
    """
    many = specs if isinstance(specs, list) else [specs]
    warmup = max(spec.warmup for spec in many)
    warm_ok = 0
    if warmup > 0:
        warm, _ = _run_all(many, workdir, [warmup] * len(many))
        warm_ok = sum(part["ok"] for part in warm)
    pids = dict(watch or {})
    before = {name: proctree.tree_cpu_seconds(pid) for name, pid in pids.items()}
    parts, wrk_cpu = _run_all(many, workdir, [spec.duration for spec in many])
    after = {name: proctree.tree_cpu_seconds(pid) for name, pid in pids.items()}
    result = _combine(parts)
    result["total_ok"] = result["ok"] + warm_ok
    result["wrk_cpu_s"] = round(wrk_cpu, 3)
    result["wrk_cpu_pct_of_core"] = round(100 * wrk_cpu / (result["elapsed_s"] or 1), 1)
    result["cpu_s"], result["cpu_ms_per_req"] = {}, {}
    for name in pids:
        start, end = before[name], after[name]
        if start is None or end is None:
            continue
        result["cpu_s"][name] = round(end - start, 3)
        if result["ok"]:
            result["cpu_ms_per_req"][name] = round((end - start) * 1000 / result["ok"], 3)
    return result


def _combine(parts: list[dict[str, Any]]) -> dict[str, Any]:
    if len(parts) == 1:
        return dict(parts[0])
    combined = dict(parts[0])
    for key in ("requests", "ok", "errors", "throughput_rps", "concurrency"):
        combined[key] = sum(part[key] for part in parts)
    # Percentiles cannot be merged exactly: the worst instance's is reported.
    for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms"):
        combined[key] = max(part[key] for part in parts)
    combined["instances"] = parts
    return combined
