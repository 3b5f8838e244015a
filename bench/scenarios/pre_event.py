"""pre-event: what a pre-event webhook (answered 200 at once) adds to message creation."""

from __future__ import annotations

from typing import Any

from bench import api, load, server
from bench.report import Check, Run, ScenarioResult
from bench.scenarios.common import Context, Procs, hookline_with_conversation, message_load

NAME = "pre-event"
TARGET_P99_ADDED_MS = 3.0


def run(ctx: Context) -> ScenarioResult:
    concurrency = ctx.sizes.concurrency
    result = ScenarioResult(NAME, "pre-event webhook (onMessageAdd) added latency", ctx.mode)
    result.params = {"duration_s": ctx.sizes.duration, "concurrencies": [concurrency, 1]}
    work = ctx.tmp(NAME)
    measured: dict[tuple[int, bool], dict[str, Any]] = {}
    with Procs() as procs:
        receiver = procs.add(server.receiver(work))
        hookline, conversation = hookline_with_conversation(ctx, work, procs)
        # Configured once: requests without X-Twilio-Webhook-Enabled fire nothing (run (a)).
        api.global_webhooks(
            hookline.base_url, pre=f"{receiver.base_url}/hook/pre", filters=["onMessageAdd"]
        )
        for level in (concurrency, 1):
            for hooked in (False, True):
                what = "pre-event webhook" if hooked else "(a) no webhooks"
                ctx.say(f"hookline {what}, concurrency {level}")
                spec = message_load(
                    hookline.base_url, conversation, ctx, webhooks=hooked, concurrency=level
                )
                measured[(level, hooked)] = load.run(spec)
                label = f"c={level} {what}"
                system = "hookline" if hooked else "reference"
                result.runs.append(Run.from_load(label, system, measured[(level, hooked)]))
        calls = api.receiver_stats(receiver.base_url)["count"]
        result.notes.append(f"The pre-event receiver answered {calls:,} calls.")

    for level in (concurrency, 1):
        plain, gated = measured[(level, False)], measured[(level, True)]
        p50_added = gated["p50_ms"] - plain["p50_ms"]
        p99_added = gated["p99_ms"] - plain["p99_ms"]
        result.checks.append(
            Check(f"c={level} p99 added", p99_added, "<=", TARGET_P99_ADDED_MS, " ms")
        )
        ratio = gated["throughput_rps"] / (plain["throughput_rps"] or 1.0)
        result.notes.append(
            f"c={level}: p50 added {p50_added:.2f} ms, p99 added {p99_added:.2f} ms; "
            f"throughput {ratio:.2f} of (a)."
        )
    return result
