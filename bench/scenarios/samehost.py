"""samehost (issue 16's third isolation shape): 12 conversations whose scoped webhooks hang,
on the same host:port as a healthy conversation's scoped webhook and the global webhook.

The healthy conversation gets messages at a constant rate (``bench.paced``) while every
hanging conversation gets some too; measured: each healthy message's post-events (scoped
and global) arrival after its 201, and the healthy delivery rate against the posting rate.
"""

from __future__ import annotations

from bench import api, paced, server
from bench.report import Check, Run, ScenarioResult, invalid_runs
from bench.scenarios.common import Context, Procs, hookline_with_conversation, messages_path
from bench.stats import summarize

NAME = "samehost"
HANGING = 12
SCOPED = "/hook/post/scoped?conv=healthy"
GLOBAL = "/hook/post/global"


def run(ctx: Context) -> ScenarioResult:
    rate = 10.0 if ctx.mode == "quick" else 40.0
    result = ScenarioResult(
        NAME, f"{HANGING} hanging scoped webhooks on the healthy one's host:port", ctx.mode
    )
    result.params = {"rate": rate, "duration_s": ctx.sizes.duration, "hanging": HANGING}
    work = ctx.tmp(NAME)
    with Procs() as procs:
        receiver = procs.add(server.receiver(work, pin=ctx.pins.load, arrivals=True))
        base = receiver.base_url
        hookline, healthy = hookline_with_conversation(ctx, work, procs)
        url = hookline.base_url
        api.global_webhooks(url, post=base + GLOBAL, filters=["onMessageAdded"])
        api.scoped_webhook(url, healthy, base + SCOPED, ["onMessageAdded"])
        hanging = []
        for n in range(HANGING):
            conversation = api.create_conversation(url, f"hanging {n}")
            api.scoped_webhook(url, conversation, f"{base}/hook/hang/{n}", ["onMessageAdded"])
            hanging.append(messages_path(conversation))
        ctx.say("warm-up: one healthy message (a URL never heard from is not yet healthy)")
        warm = paced.post_at_rate(url, [messages_path(healthy)], 1.0, 1.0)
        paced.wait_for_all(base, warm.created, (SCOPED, GLOBAL), 30.0)
        ctx.say(f"{HANGING * 2} messages to the hanging conversations")
        paced.post_at_rate(url, hanging, 20.0, HANGING * 2 / 20.0)
        ctx.say(f"healthy messages at {rate:g}/s for {ctx.sizes.duration} s")
        load = paced.post_at_rate(url, [messages_path(healthy)], rate, ctx.sizes.duration)
        arrived = paced.wait_for_all(base, load.created, (SCOPED, GLOBAL), ctx.sizes.drain_timeout)
        hung = api.receiver_stats(base)["hung"]
        procs.stop(receiver)  # its hanging requests would hold up hookline's shutdown
    lags = paced.lags_ms(load.created, arrived, SCOPED, GLOBAL)
    summary = summarize(lags)
    result.runs.append(
        Run(
            label="healthy post-events (scoped and global): arrival after 201",
            system="hookline",
            throughput=len(lags) / ctx.sizes.duration,
            unit="messages/s",
            p50_ms=summary["p50_ms"],
            p99_ms=summary["p99_ms"],
            count=len(lags),
            errors=load.errors,
            extra={"load": load.summary(), "lag": summary, "hanging_requests": hung},
        )
    )
    result.notes.append(f"The hanging URLs got {hung:,} requests (they never answer).")
    missing = len(load.created) - len(lags)
    spoiled = invalid_runs(
        messages_not_created=load.errors,
        messages_missing_a_post_event=missing,
        late_client_starts=load.late if load.late > load.sent // 100 else 0,
    )
    if not lags:
        spoiled = spoiled or "no healthy post-event arrived"
    result.checks.append(
        Check("healthy arrival p99 after the 201", summary["p99_ms"], "<=",
              ctx.targets.samehost_p99_ms, " ms", invalid=spoiled)
    )  # fmt: skip
    kept_up = len(lags) / (len(load.created) or 1)
    result.checks.append(
        Check("healthy post-events delivered / posted", kept_up, ">=",
              ctx.targets.isolation, invalid=invalid_runs(messages_not_created=load.errors))
    )  # fmt: skip
    return result
