"""pre-event (issue 10's (c)): what a pre-event webhook answered 200 at once adds to
message creation at concurrency 1, measured against (a) on the same server."""

from __future__ import annotations

from typing import Any

from bench import api, profile, server, wrk
from bench.report import Check, ScenarioResult, invalid_runs
from bench.scenarios.api_write import cpu_notes, wrk_run
from bench.scenarios.common import Context, Procs, hookline_with_conversation, message_wrk

NAME = "pre-event"


def run(ctx: Context) -> ScenarioResult:
    targets = ctx.targets
    result = ScenarioResult(NAME, "pre-event webhook (onMessageAdd) added latency, c=1", ctx.mode)
    result.params = {"duration_s": ctx.sizes.duration, "concurrency": 1}
    work = ctx.tmp(NAME)
    measured: dict[bool, dict[str, Any]] = {}
    with Procs() as procs:
        receiver = procs.add(server.receiver(work, pin=ctx.pins.load))
        hookline, conversation = hookline_with_conversation(ctx, work, procs)
        # Configured once: requests without X-Twilio-Webhook-Enabled fire nothing (run (a)).
        api.global_webhooks(
            hookline.base_url, pre=f"{receiver.base_url}/hook/pre", filters=["onMessageAdd"]
        )
        watch = ctx.watch(hookline=hookline)
        for hooked in (False, True):
            what = "pre-event webhook" if hooked else "(a) no webhooks"
            ctx.say(f"hookline {what}, concurrency 1")
            spec = message_wrk(ctx, hookline.base_url, conversation, webhooks=hooked, concurrency=1)
            name = f"pre-event-{'hooked' if hooked else 'plain'}-{ctx.db.kind}"
            with profile.recording(hookline.pid, ctx.out / "profiles" / name, ctx.profile) as notes:
                measured[hooked] = wrk.run(spec, work, watch)
            result.notes += notes
            system = "hookline" if hooked else "baseline"
            result.runs.append(wrk_run(f"c=1 {what}", system, measured[hooked], "hookline"))
            result.notes += cpu_notes(what, measured[hooked])
        calls = api.receiver_stats(receiver.base_url)["count"]
        result.notes.append(f"The pre-event receiver answered {calls:,} calls.")

    plain, gated = measured[False], measured[True]
    p50_added = p99_added = float("nan")  # without requests in either run: no data
    if plain["ok"] and gated["ok"]:
        p50_added = gated["p50_ms"] - plain["p50_ms"]
        p99_added = gated["p99_ms"] - plain["p99_ms"]
    # Every hooked request that was created (warm-up included) called the hook once; a
    # request cut off as wrk stopped (one per connection and phase) may have called it too.
    missed = max(0, gated["total_ok"] - calls)
    extra = max(0, calls - gated["total_ok"] - 2 * gated["concurrency"])
    spoiled = invalid_runs(
        errors_or_non_2xx_in_a=plain["errors"],
        errors_or_non_2xx_hooked=gated["errors"],
        hook_calls_missing=missed,
        hook_calls_too_many=extra,
    )
    for name, added, goal in (
        ("p50 added", p50_added, targets.pre_p50_added_ms),
        ("p99 added", p99_added, targets.pre_p99_added_ms),
    ):
        why = spoiled
        if why is None and added < 0:
            why = "negative: the two runs' noise is larger than the hook's cost"
        result.checks.append(Check(name, added, "<=", goal, " ms", invalid=why))
    ratio = gated["throughput_rps"] / (plain["throughput_rps"] or 1.0)
    result.notes.append(f"Throughput with the hook: {ratio:.2f} of (a).")
    return result
