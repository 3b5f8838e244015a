"""What a scenario measured, printed as rich tables and written as JSON."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import platform
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

DEFAULT_OUT = Path(__file__).resolve().parent / "out"


@dataclass
class Run:
    """One measured configuration (hookline or its baseline)."""

    label: str
    system: str
    throughput: float
    unit: str = "req/s"
    p50_ms: float | None = None
    p99_ms: float | None = None
    count: int = 0
    errors: int = 0
    #: Server CPU (process tree) per request or delivery, milliseconds.
    cpu_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_load(cls, label: str, system: str, load: dict[str, Any], **extra: Any) -> Run:
        return cls(
            label=label,
            system=system,
            throughput=float(load["throughput_rps"]),
            p50_ms=float(load["p50_ms"]),
            p99_ms=float(load["p99_ms"]),
            count=int(load["ok"]),
            errors=int(load["errors"]),
            extra={"load": load, **extra},
        )


@dataclass
class Check:
    """A target from the brief: printed with the measured value, never asserted.

    A figure taken from runs that cannot support it (errors, non-2xx answers, a receiver
    that missed calls, a difference of two noisy runs that came out negative) is *no
    result*: ``invalid`` says why, and it is never counted as met."""

    name: str
    value: float
    op: str
    threshold: float
    unit: str = ""
    #: Why the figure is no result (None: it is one).
    invalid: str | None = None

    @property
    def met(self) -> bool:
        if self.invalid is not None or math.isnan(self.value):
            # NaN (a run without one successful request) meets nothing either.
            return False
        return self.value >= self.threshold if self.op == ">=" else self.value <= self.threshold

    def verdict(self) -> str:
        """``yes``, ``no`` or ``no result (why)``, as rich markup."""
        if self.invalid is not None or math.isnan(self.value):
            why = self.invalid or "no data"
            return f"[yellow]no result ({escape(why)})[/yellow]"
        return "[green]yes[/green]" if self.met else "[red]no[/red]"


def invalid_runs(**problems: int) -> str | None:
    """``errors=3, missed=0`` → ``"3 errors"`` (None when every count is 0)."""
    found = [f"{count:,} {name.replace('_', ' ')}" for name, count in problems.items() if count]
    return ", ".join(found) if found else None


@dataclass
class ScenarioResult:
    scenario: str
    title: str
    mode: str
    runs: list[Run] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    duration_s: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for check, raw in zip(self.checks, data["checks"], strict=True):
            raw["met"] = check.met
            raw["result"] = check.invalid is None and not math.isnan(check.value)
            if math.isnan(check.value):
                raw["value"] = None  # strict JSON has no NaN
        return data


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def show(console: Console, result: ScenarioResult) -> None:
    table = Table(title=f"{result.scenario}: {result.title} ({result.mode})", title_justify="left")
    table.add_column("run")
    table.add_column("throughput", justify="right")
    table.add_column("vs baseline", justify="right")
    table.add_column("p50 ms", justify="right")
    table.add_column("p99 ms", justify="right")
    table.add_column("CPU ms", justify="right")
    table.add_column("ok", justify="right")
    table.add_column("errors", justify="right")
    baseline = next((run for run in result.runs if run.system == "baseline"), None)
    for run in result.runs:
        ratio = "-"
        if baseline is not None and baseline.throughput > 0 and run.unit == baseline.unit:
            ratio = f"{run.throughput / baseline.throughput:.2f}x"
        table.add_row(
            run.label,
            f"{run.throughput:,.0f} {run.unit}",
            ratio,
            _ms(run.p50_ms),
            _ms(run.p99_ms),
            _ms(run.cpu_ms),
            f"{run.count:,}",
            str(run.errors),
        )
    console.print(table)
    if result.checks:
        checks = Table(show_header=True, title_justify="left")
        checks.add_column("target")
        checks.add_column("measured", justify="right")
        checks.add_column("goal", justify="right")
        checks.add_column("met")
        for check in result.checks:
            checks.add_row(
                check.name,
                f"{check.value:.3f}{check.unit}",
                f"{check.op} {check.threshold:g}{check.unit}",
                check.verdict(),
            )
        console.print(checks)
    for note in result.notes:
        console.print(f"  [dim]• {note}[/dim]")
    if result.error:
        console.print(f"[red]{result.scenario} crashed:[/red] {result.error}")


def _versions() -> dict[str, str]:
    found = {}
    for name in ("uvicorn", "starlette", "uvloop", "httptools", "aiohttp", "sqlalchemy"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    found["wrk"] = (wrk.stdout or wrk.stderr).split("[")[0].strip()
    return found


def _commit() -> str:
    root = Path(__file__).resolve().parent.parent
    git = ["git", "-C", str(root)]
    head = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    dirty = subprocess.run(
        [*git, "status", "--porcelain"], capture_output=True, text=True, check=False
    )
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": mem_kb // 1024,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "commit": _commit(),
        "versions": _versions(),
    }


def write(
    out_dir: Path, results: list[ScenarioResult], mode: str, run_info: dict[str, Any]
) -> Path:
    """One JSON per scenario (latest run, per store) and one for the whole run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    database = run_info.get("database", "sqlite")
    for result in results:
        path = out_dir / f"{result.scenario}-{database}.json"
        path.write_text(json.dumps(result.to_json(), indent=2) + "\n")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    summary = {
        "mode": mode,
        **run_info,
        "machine": machine(),
        "scenarios": [result.to_json() for result in results],
    }
    path = out_dir / f"run-{mode}-{database}-{stamp}.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    return path


def show_summary(console: Console, results: list[ScenarioResult], database: str) -> None:
    """Every target of the run in one table: the ratio measured against the goal."""
    table = Table(title=f"targets ({database})", title_justify="left")
    for column in ("scenario", "target", "measured", "goal", "met"):
        table.add_column(column, justify="right" if column in ("measured", "goal") else "left")
    for result in results:
        if result.error:
            table.add_row(result.scenario, "-", "-", "-", "[red]crashed[/red]")
        for check in result.checks:
            table.add_row(
                result.scenario,
                check.name,
                f"{check.value:.3f}{check.unit}",
                f"{check.op} {check.threshold:g}{check.unit}",
                check.verdict(),
            )
    console.print(table)
