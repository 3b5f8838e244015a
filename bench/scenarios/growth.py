"""growth: message-create latency with few vs many messages stored, and the server's RSS."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench import api, load, seed, server
from bench.report import Check, Run, ScenarioResult
from bench.scenarios.common import Context, Procs, cpu_ms_per_request, message_load

NAME = "growth"
TARGET = 1.5


def _db_size_mb(db_path: Path) -> float:
    paths = [db_path, db_path.with_name(db_path.name + "-wal")]
    return sum(path.stat().st_size for path in paths if path.exists()) / 1024 / 1024


def measure(ctx: Context, stored: int) -> dict[str, Any]:
    work = ctx.tmp(f"{NAME}-{stored}")
    db_path = work / "hookline.db"
    with Procs() as procs:
        setup = procs.add(server.hookline(work, db_path, log_level=ctx.log_level))
        conversation = api.create_conversation(setup.base_url)
        procs.stop(setup)
    ctx.say(f"bulk-loading {stored:,} messages with SQL")
    began = time.monotonic()
    seed.messages_into(db_path, conversation, stored)
    seed_s = time.monotonic() - began
    with Procs() as procs:
        hookline = procs.add(server.hookline(work, db_path, log_level=ctx.log_level))
        rss_idle = hookline.rss_kb()
        cpu = hookline.cpu_seconds()
        ctx.say(f"message-create load with {stored:,} stored")
        measured = load.run(message_load(hookline.base_url, conversation, ctx))
        rss = hookline.rss_kb()
        cpu_ms = cpu_ms_per_request(hookline, cpu, measured["total_ok"])
    return {
        "stored": stored,
        "load": measured,
        "seed_s": round(seed_s, 2),
        "rss_kb_after_start": rss_idle,
        "rss_kb_after_load": rss,
        "cpu_ms_per_req": cpu_ms,
        "db_mb": round(_db_size_mb(db_path), 1),
    }


def run(ctx: Context) -> ScenarioResult:
    small, large = ctx.sizes.growth_small, ctx.sizes.growth_large
    result = ScenarioResult(NAME, f"message create with {small:,} vs {large:,} stored", ctx.mode)
    result.params = {"small": small, "large": large, "duration_s": ctx.sizes.duration}
    runs = {}
    for stored, system in ((small, "baseline"), (large, "hookline")):
        runs[stored] = measure(ctx, stored)
        data = runs[stored]
        result.runs.append(
            Run.from_load(
                f"hookline, {stored:,} messages stored",
                system,
                data["load"],
                **{key: value for key, value in data.items() if key != "load"},
            )
        )
        result.notes.append(
            f"{stored:,} stored: loaded in {data['seed_s']:.1f} s, database "
            f"{data['db_mb']:.0f} MB, RSS {(data['rss_kb_after_load'] or 0) / 1024:.0f} MiB "
            f"after the load ({(data['rss_kb_after_start'] or 0) / 1024:.0f} MiB at start)."
        )
    p99_ratio = runs[large]["load"]["p99_ms"] / (runs[small]["load"]["p99_ms"] or 1.0)
    result.checks.append(Check(f"p99 {large:,} / p99 {small:,}", p99_ratio, "<=", TARGET))
    return result
