"""``python -m bench [--quick] [--scenario NAME] [--out DIR]``."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import click
from rich.console import Console

from bench import report
from bench.report import ScenarioResult
from bench.scenarios import SCENARIOS
from bench.scenarios.common import Context, sizes_for


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--quick", is_flag=True, help="Small sizes: every scenario, well under 2 minutes.")
@click.option(
    "--scenario",
    "names",
    multiple=True,
    type=click.Choice(list(SCENARIOS)),
    help="Run only this scenario (repeatable). Default: all.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=report.DEFAULT_OUT,
    show_default=True,
    help="Where the JSON results go.",
)
@click.option("--duration", type=float, help="Seconds of measured load per run.")
@click.option("--deliveries", type=int, help="Post-events in delivery / isolation.")
@click.option("--growth-large", type=int, help="Messages stored for the large growth run.")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    help="Log level of hookline and the baseline app (users' default: info).",
)
@click.option("--keep-tmp", is_flag=True, help="Keep databases and server logs.")
def main(
    quick: bool,
    names: tuple[str, ...],
    out: Path,
    duration: float | None,
    deliveries: int | None,
    growth_large: int | None,
    log_level: str,
    keep_tmp: bool,
) -> None:
    """Benchmark hookline against same-run baselines on loopback."""
    # Wide enough for the tables when the output is a file or a CI log.
    console = Console() if sys.stdout.isatty() else Console(width=120)
    mode = "quick" if quick else "full"
    sizes = sizes_for(quick, duration=duration, deliveries=deliveries, growth_large=growth_large)
    workdir = Path(tempfile.mkdtemp(prefix="hookline-bench-"))
    ctx = Context(mode=mode, sizes=sizes, workdir=workdir, console=console, log_level=log_level)
    selected = list(names) or list(SCENARIOS)
    console.print(f"[bold]hookline benchmarks[/bold] ({mode}): {', '.join(selected)}")
    results: list[ScenarioResult] = []
    crashed = False
    started = time.monotonic()
    try:
        for name in selected:
            console.rule(name)
            began = time.monotonic()
            load_before = os.getloadavg()
            try:
                result = SCENARIOS[name](ctx)
            except Exception as exc:
                crashed = True
                result = ScenarioResult(name, "crashed", mode, error=f"{exc!r}")
                console.print(traceback.format_exc())
            result.duration_s = round(time.monotonic() - began, 2)
            # Other work on the machine skews results; the load average shows how much.
            result.params["loadavg_1m_before_after"] = [load_before[0], os.getloadavg()[0]]
            report.show(console, result)
            console.print(f"[dim]{name} took {result.duration_s:.1f} s[/dim]")
            results.append(result)
    finally:
        if keep_tmp:
            console.print(f"[dim]kept {workdir}[/dim]")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    path = report.write(out, results, mode)
    total = time.monotonic() - started
    console.print(f"\nwrote {path} (all scenarios: {total:.1f} s)")
    sys.exit(1 if crashed else 0)
