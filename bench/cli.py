"""``python -m bench [--quick] [--database sqlite|postgres] [--scenario NAME] [--profile]``."""

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

from bench import prereq, report
from bench.database import Database
from bench.report import ScenarioResult
from bench.scenarios import SCENARIOS
from bench.scenarios.common import Context, Pins, sizes_for


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--quick", is_flag=True, help="Small sizes: a smoke run (CI), about a minute.")
@click.option(
    "--database",
    type=click.Choice(["sqlite", "postgres"]),
    default="sqlite",
    show_default=True,
    help="The store. postgres: HOOKLINE_BENCH_POSTGRES_URL, or a throwaway cluster.",
)
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
    help="Where the JSON results (and profiles) go.",
)
@click.option("--duration", type=int, help="Seconds of measured load per wrk run.")
@click.option("--deliveries", type=int, help="Post-events in the delivery scenario.")
@click.option("--isolation-events", type=int, help="Post-events per receiver in isolation.")
@click.option("--growth-large", type=int, help="Messages stored for the large growth run.")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    help="Log level of hookline and the baseline app (users' default: info).",
)
@click.option(
    "--profile", is_flag=True, help="py-spy on hookline during (a), (b), pre-event and delivery."
)
@click.option("--no-pin", is_flag=True, help="Do not pin processes to cores (taskset).")
@click.option("--keep-tmp", is_flag=True, help="Keep databases and server logs.")
def main(
    quick: bool,
    database: str,
    names: tuple[str, ...],
    out: Path,
    duration: int | None,
    deliveries: int | None,
    isolation_events: int | None,
    growth_large: int | None,
    log_level: str,
    profile: bool,
    no_pin: bool,
    keep_tmp: bool,
) -> None:
    """Benchmark hookline against same-run baselines on loopback (issue 10's method)."""
    # Wide enough for the tables when the output is a file or a CI log.
    console = Console() if sys.stdout.isatty() else Console(width=130)
    absent = prereq.missing(pin=not no_pin, profile=profile)
    if absent:
        console.print(f"[red]missing: {', '.join(absent)}[/red]; {prereq.INSTALL}")
        sys.exit(2)
    mode = "quick" if quick else "full"
    sizes = sizes_for(
        quick,
        duration=duration,
        deliveries=deliveries,
        isolation=isolation_events,
        growth_large=growth_large,
    )
    workdir = Path(tempfile.mkdtemp(prefix="hookline-bench-"))
    pins = Pins.choose(not no_pin)
    selected = list(names) or list(SCENARIOS)
    results: list[ScenarioResult] = []
    crashed = False
    started = time.monotonic()
    db: Database | None = None
    try:
        db = Database(database, workdir)
        ctx = Context(mode, sizes, workdir, console, db, pins, log_level, profile, out)
        console.print(f"[bold]hookline benchmarks[/bold] ({mode}, {db.describe()})")
        where = f"hookline on core {pins.server}, wrk and receivers on core {pins.load}"
        console.print(where if pins.server else "no pinning")
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
        if db is not None:
            db.close()
        if keep_tmp:
            console.print(f"[dim]kept {workdir}[/dim]")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    console.rule("summary")
    report.show_summary(console, results, database)
    run_info = {"database": database, "pinning": {"server": pins.server, "load": pins.load}}
    path = report.write(out, results, mode, run_info)
    total = time.monotonic() - started
    console.print(f"\nwrote {path} (all scenarios: {total:.1f} s)")
    sys.exit(1 if crashed else 0)
