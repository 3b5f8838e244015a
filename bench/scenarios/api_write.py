"""api-write: message creation throughput, without and with a post-event webhook."""

from __future__ import annotations

import time

from bench import api, load, server
from bench.report import Check, Run, ScenarioResult
from bench.scenarios.common import (
    Context,
    Procs,
    cpu_ms_per_request,
    hookline_with_conversation,
    message_load,
)

NAME = "api-write"
PLACEHOLDER_CH = "CH" + "0" * 32


def run(ctx: Context) -> ScenarioResult:
    result = ScenarioResult(NAME, f"POST …/Messages, concurrency {ctx.sizes.concurrency}", ctx.mode)
    result.params = {"duration_s": ctx.sizes.duration, "warmup_s": ctx.sizes.warmup}
    work = ctx.tmp(NAME)
    with Procs() as procs:
        ctx.say("baseline: minimal Starlette app on the same uvicorn settings")
        base = procs.add(server.baseline(work, ctx.log_level))
        base_load = load.run(message_load(base.base_url, PLACEHOLDER_CH, ctx))
        procs.stop(base)
        result.runs.append(Run.from_load("baseline: Starlette form → JSON", "baseline", base_load))

        receiver = procs.add(server.receiver(work))
        hookline, conversation = hookline_with_conversation(ctx, work, procs)
        ctx.say("hookline (a): no webhooks")
        cpu = hookline.cpu_seconds()
        plain = load.run(message_load(hookline.base_url, conversation, ctx))
        plain_cpu = cpu_ms_per_request(hookline, cpu, plain["total_ok"])
        result.runs.append(
            Run.from_load("hookline (a) no webhooks", "hookline", plain, cpu_ms_per_req=plain_cpu)
        )

        ctx.say("hookline (b): post-event webhook onMessageAdded → local receiver")
        api.global_webhooks(
            hookline.base_url,
            post=f"{receiver.base_url}/hook/post",
            filters=["onMessageAdded"],
        )
        cpu = hookline.cpu_seconds()
        hooked = load.run(message_load(hookline.base_url, conversation, ctx, webhooks=True))
        hooked_cpu = cpu_ms_per_request(hookline, cpu, hooked["total_ok"])
        at_end = api.receiver_stats(receiver.base_url)["count"]
        drain_started = time.monotonic()
        drained = api.wait_for_count(receiver.base_url, hooked["total_ok"], ctx.sizes.drain_timeout)
        drain_s = time.monotonic() - drain_started
        result.runs.append(
            Run.from_load(
                "hookline (b) post-event webhook",
                "hookline",
                hooked,
                cpu_ms_per_req=hooked_cpu,
                delivered_by_end_of_load=at_end,
                delivered_total=drained["count"],
                drain_after_load_s=round(drain_s, 2),
            )
        )
        result.notes.append(
            f"(b): {at_end:,} of {hooked['total_ok']:,} post-events delivered when the load "
            f"stopped; {drained['count']:,} after a further {drain_s:.1f} s."
        )
        for label, cpu_ms in (("(a)", plain_cpu), ("(b)", hooked_cpu)):
            if cpu_ms is not None:
                result.notes.append(f"hookline {label}: {cpu_ms:.2f} ms server CPU per request.")

    base_rps = base_load["throughput_rps"] or 1.0
    ratio = hooked["throughput_rps"] / base_rps
    result.checks.append(Check("(b) / baseline throughput", ratio, ">=", 0.40))
    ctx.memo["api-write"] = result
    return result
