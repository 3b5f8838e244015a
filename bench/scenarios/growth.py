"""growth: message-create latency with few vs many messages stored, and the server's RSS."""

from __future__ import annotations

import time
from typing import Any

from bench import api, seed, wrk
from bench.report import Check, ScenarioResult
from bench.scenarios.api_write import wrk_run
from bench.scenarios.common import (
    Context,
    Procs,
    create_messages,
    message_wrk,
    messages_path,
)

NAME = "growth"


def measure(ctx: Context, stored: int) -> dict[str, Any]:
    work = ctx.tmp(f"{NAME}-{stored}")
    url = ctx.db.new(f"growth-{stored}")
    with Procs() as procs:
        setup = procs.add(ctx.hookline(work, url, "--no-worker", pin=False))
        conversation = api.create_conversation(setup.base_url)
        # One message through the API: the rows copied below are copies of it.
        create_messages(ctx, work, setup.base_url, [messages_path(conversation)], 1)
        procs.stop(setup)
    ctx.say(f"bulk-storing {stored - 1:,} more messages with SQL")
    began = time.monotonic()
    seed.messages_into(url, conversation, stored - 1)
    seed_s = time.monotonic() - began
    with Procs() as procs:
        hookline = procs.add(ctx.hookline(work, url))
        rss_idle = hookline.rss_kb()
        ctx.say(f"message-create load with {stored:,} stored")
        spec = message_wrk(ctx, hookline.base_url, conversation)
        measured = wrk.run(spec, work, ctx.watch(hookline=hookline))
        rss = hookline.rss_kb()
    return {
        "stored": stored,
        "load": measured,
        "seed_s": round(seed_s, 2),
        "rss_kb_after_start": rss_idle,
        "rss_kb_after_load": rss,
    }


def run(ctx: Context) -> ScenarioResult:
    small, large = ctx.sizes.growth_small, ctx.sizes.growth_large
    result = ScenarioResult(NAME, f"message create with {small:,} vs {large:,} stored", ctx.mode)
    result.params = {"small": small, "large": large, "duration_s": ctx.sizes.duration}
    runs = {}
    for stored, system in ((small, "baseline"), (large, "hookline")):
        runs[stored] = measure(ctx, stored)
        data = runs[stored]
        extra = {key: value for key, value in data.items() if key != "load"}
        measured = data["load"]
        label = f"hookline, {stored:,} messages stored"
        result.runs.append(wrk_run(label, system, measured, "hookline", **extra))
        result.notes.append(
            f"{stored:,} stored: bulk-stored in {data['seed_s']:.1f} s; RSS "
            f"{(data['rss_kb_after_load'] or 0) / 1024:.0f} MiB after the load "
            f"({(data['rss_kb_after_start'] or 0) / 1024:.0f} MiB at start)."
        )
    small_load, large_load = runs[small]["load"], runs[large]["load"]
    p99_ratio = float("nan")
    if small_load["ok"] and large_load["ok"]:
        p99_ratio = large_load["p99_ms"] / (small_load["p99_ms"] or 1.0)
    result.checks.append(
        Check(f"p99 {large:,} / p99 {small:,}", p99_ratio, "<=", ctx.targets.growth_p99)
    )
    return result
