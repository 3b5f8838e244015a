"""scale: 1 vs 2 API processes and 1 vs 2 delivery workers, unpinned.

``serve --workers N`` (both databases): one server with 1, then 2 processes on one port
(uvicorn's supervisor), one wrk at the full concurrency against that port.
API (PostgreSQL only): ``hookline serve --no-worker`` processes on one database, one wrk
per process (wrk cannot split its connections between servers), concurrency 32 in
total; throughputs summed.
Workers: ``hookline worker`` processes draining the same full outbox (filled once through
the API, copied with CREATE DATABASE … TEMPLATE for the second run). The CPU each process
and the database server used is reported, which shows what limits scaling.
"""

from __future__ import annotations

import time
from typing import Any

from bench import api, proctree, server, wrk
from bench.report import Run, ScenarioResult
from bench.scenarios.common import Context, Procs, message_wrk
from bench.scenarios.drain import fill, receiver_rate

NAME = "scale"


def _cpu_pct(cpu_s: dict[str, float], wall_s: float) -> str:
    return ", ".join(f"{name} {100 * value / wall_s:.0f} %" for name, value in cpu_s.items())


def api_processes(ctx: Context, result: ScenarioResult, url: str, conversation: str) -> None:
    work = ctx.tmp(f"{NAME}-api")
    rates: dict[int, float] = {}
    for count in (1, 2):
        with Procs() as procs:
            servers = [
                procs.add(ctx.hookline(work, url, "--no-worker", pin=False)) for _ in range(count)
            ]
            share = max(1, ctx.sizes.concurrency // count)
            specs = [
                message_wrk(ctx, s.base_url, conversation, concurrency=share, pin=False)
                for s in servers
            ]
            ctx.say(f"{count} API process(es), {count} wrk at c={share} each")
            watch = ctx.watch(**{f"api{n + 1}": s for n, s in enumerate(servers)})
            measured = wrk.run(specs, work, watch)
        rates[count] = measured["throughput_rps"]
        run = Run.from_load(f"{count} x serve --no-worker (unpinned)", "hookline", measured)
        run.system = "baseline" if count == 1 else "hookline"
        result.runs.append(run)
        result.notes.append(
            f"{count} API process(es): CPU over the run: "
            f"{_cpu_pct(measured['cpu_s'], measured['elapsed_s'])}, wrk "
            f"{measured['wrk_cpu_pct_of_core']:.0f} % (of {len(proctree.online_cpus())} cores)."
        )
    result.params["api_2_over_1"] = round(rates[2] / (rates[1] or 1.0), 3)


def _wait_for_processes(base_url: str, count: int, timeout: float = 120.0) -> None:
    """Until ``count`` different processes have answered health (the supervisor's second
    process starts after the first already answers)."""
    pids: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(pids) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(pids)} of {count} processes answered in {timeout}s")
        pids.add(api.call(base_url, "/_hookline/health", auth=False)["pid"])


def supervised(ctx: Context, result: ScenarioResult, url: str, conversation: str) -> None:
    """``serve --workers 1`` vs ``--workers 2``: one port, one wrk."""
    work = ctx.tmp(f"{NAME}-supervised")
    rates: dict[int, float] = {}
    for count in (1, 2):
        with Procs() as procs:
            served = procs.add(
                ctx.hookline(work, url, "--no-worker", "--workers", str(count), pin=False)
            )
            _wait_for_processes(served.base_url, count)
            ctx.say(f"serve --workers {count}, one wrk at c={ctx.sizes.concurrency}")
            spec = message_wrk(ctx, served.base_url, conversation, pin=False)
            measured = wrk.run([spec], work, ctx.watch(serve=served))
        rates[count] = measured["throughput_rps"]
        run = Run.from_load(f"serve --workers {count} (unpinned)", "hookline", measured)
        run.system = "baseline" if count == 1 else "hookline"
        result.runs.append(run)
        result.notes.append(
            f"serve --workers {count}: CPU over the run (all its processes): "
            f"{_cpu_pct(measured['cpu_s'], measured['elapsed_s'])}, wrk "
            f"{measured['wrk_cpu_pct_of_core']:.0f} % (of {len(proctree.online_cpus())} cores)."
        )
    result.params["workers_flag_2_over_1"] = round(rates[2] / (rates[1] or 1.0), 3)


def workers(ctx: Context, result: ScenarioResult, count: int) -> None:
    work = ctx.tmp(f"{NAME}-workers")
    with Procs() as procs:
        healthy = procs.add(server.receiver(work))
        filled = fill(ctx, work, healthy, count)
        copy = ctx.db.clone(filled, "workers-2")
        rates: dict[int, float] = {}
        for processes, url in ((1, filled), (2, copy)):
            api.reset_receiver(healthy.base_url)
            ctx.say(f"{processes} worker process(es) draining {count:,} post-events")
            with Procs() as running:
                started = [
                    running.add(server.worker(work, url, ctx.log_level)) for _ in range(processes)
                ]
                pids = ctx.watch(**{f"worker{n + 1}": w for n, w in enumerate(started)})
                before = {name: proctree.tree_cpu_seconds(pid) for name, pid in pids.items()}
                stats = api.wait_for_count(healthy.base_url, count, ctx.sizes.drain_timeout)
                after = {name: proctree.tree_cpu_seconds(pid) for name, pid in pids.items()}
            rates[processes] = receiver_rate(stats)
            wall = (stats["now"] - stats["first"]) if stats["first"] else 0.0
            cpu = {
                name: (after[name] or 0.0) - (before[name] or 0.0)
                for name in pids
                if before[name] is not None
            }
            result.runs.append(_worker_run(processes, stats, rates[processes], count))
            if wall > 0:
                result.notes.append(
                    f"{processes} worker(s): CPU while draining (incl. start-up): "
                    f"{_cpu_pct(cpu, wall)}."
                )
    result.params["workers_2_over_1"] = round(rates[2] / (rates[1] or 1.0), 3)


def _worker_run(processes: int, stats: dict[str, Any], rate: float, count: int) -> Run:
    return Run(
        label=f"{processes} x hookline worker (unpinned)",
        system="baseline" if processes == 1 else "hookline",
        throughput=rate,
        unit="deliveries/s",
        count=stats["count"],
        errors=count - stats["count"],
        extra={"receiver": stats},
    )


def run(ctx: Context) -> ScenarioResult:
    result = ScenarioResult(NAME, "1 vs 2 API processes, 1 vs 2 workers (unpinned)", ctx.mode)
    url = ctx.db.new("scale-api")
    with Procs() as procs:
        setup = procs.add(ctx.hookline(ctx.tmp(NAME), url, "--no-worker", pin=False))
        conversation = api.create_conversation(setup.base_url)
        procs.stop(setup)
    supervised(ctx, result, url, conversation)
    if ctx.db.kind != "postgres":
        result.notes.append(
            f"serve --workers 2 / 1: {result.params['workers_flag_2_over_1']:.2f}x (on SQLite the "
            "processes take turns to write). Separate processes and workers: PostgreSQL only "
            "(--database postgres)."
        )
        return result
    api_processes(ctx, result, url, conversation)
    workers(ctx, result, ctx.sizes.deliveries)
    result.notes.append(
        f"serve --workers 2 / 1: {result.params['workers_flag_2_over_1']:.2f}x; "
        f"2 / 1 API processes: {result.params['api_2_over_1']:.2f}x; "
        f"2 / 1 workers: {result.params['workers_2_over_1']:.2f}x."
    )
    return result
