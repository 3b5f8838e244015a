"""lag (issue 16): post-event arrival after the 201 under constant-rate load at half of
(a)'s throughput (messages without webhooks, measured first by wrk on the same server).

The load is open-loop (``bench.paced``): one message every 1/rate s whatever the answers,
each with webhooks enabled; the receiver keeps when each message's post-event arrived.
``BENCH_LAG_RATE`` (messages/s) fixes the rate instead, to compare two builds at one rate.
"""

from __future__ import annotations

import os

from bench import api, paced, server, wrk
from bench.report import Check, Run, ScenarioResult, invalid_runs
from bench.scenarios.common import Context, Procs, hookline_with_conversation, message_wrk
from bench.stats import summarize

NAME = "lag"
HOOK = "/hook/post"


def run(ctx: Context) -> ScenarioResult:
    result = ScenarioResult(NAME, "post-event lag after the 201 at half of (a)'s rate", ctx.mode)
    work = ctx.tmp(NAME)
    with Procs() as procs:
        receiver = procs.add(server.receiver(work, pin=ctx.pins.load, arrivals=True))
        hookline, conversation = hookline_with_conversation(ctx, work, procs)
        api.global_webhooks(
            hookline.base_url, post=receiver.base_url + HOOK, filters=["onMessageAdded"]
        )
        ctx.say("(a): messages without webhooks, wrk")
        plain = wrk.run(message_wrk(ctx, hookline.base_url, conversation), work)
        rate = float(os.environ.get("BENCH_LAG_RATE") or plain["throughput_rps"] / 2)
        result.params = {"rate": rate, "duration_s": ctx.sizes.duration}
        ctx.say(f"constant rate {rate:,.0f} messages/s with webhooks for {ctx.sizes.duration} s")
        load = paced.post_at_rate(
            hookline.base_url, ["/v1/Conversations/" + conversation + "/Messages"],
            rate, ctx.sizes.duration,
        )  # fmt: skip
        arrived = paced.wait_for_all(
            receiver.base_url, load.created, (HOOK,), ctx.sizes.drain_timeout
        )
    lags = paced.lags_ms(load.created, arrived, HOOK)
    summary = summarize(lags)
    result.runs.append(Run.from_load("(a) wrk, no webhooks", "baseline", plain))
    result.runs.append(
        Run(
            label=f"constant {rate:,.0f}/s, webhooks on: arrival after 201",
            system="hookline",
            throughput=len(load.created) / ctx.sizes.duration,
            p50_ms=summary["p50_ms"],
            p99_ms=summary["p99_ms"],
            count=len(lags),
            errors=load.errors,
            extra={"load": load.summary(), "lag": summary},
        )
    )
    negative = sum(1 for lag in lags if lag < 0)
    if negative:
        result.notes.append(
            f"{negative:,} post-events arrived before their 201 reached the client "
            "(the webhook goes out at commit; the answer is written after): lag < 0."
        )
    spoiled = invalid_runs(
        errors_in_a=plain["errors"],
        messages_not_created=load.errors,
        post_events_missing=len(load.created) - len(lags),
        late_client_starts=load.late if load.late > load.sent // 100 else 0,
    )
    if not lags:
        spoiled = spoiled or "no post-event arrived"
    result.checks.append(
        Check("arrival p99 after the 201", summary["p99_ms"], "<=",
              ctx.targets.lag_p99_ms, " ms", invalid=spoiled)
    )  # fmt: skip
    return result
