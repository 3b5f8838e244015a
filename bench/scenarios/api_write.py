"""api-write: message creation, (a) without webhooks and (b) with a post-event webhook the
same server delivers, against the Starlette + uvloop + httptools baseline, all driven by wrk."""

from __future__ import annotations

import time
from typing import Any

from bench import api, profile, server, wrk
from bench.report import Check, Run, ScenarioResult, invalid_runs
from bench.scenarios.common import Context, Procs, hookline_with_conversation, message_wrk

NAME = "api-write"
PLACEHOLDER_CH = "CH" + "0" * 32


def cpu_notes(label: str, measured: dict[str, Any]) -> list[str]:
    per_request = measured.get("cpu_ms_per_req", {})
    parts = [f"{name} {value:.3f} ms" for name, value in per_request.items()]
    return [f"{label}: CPU per request: {', '.join(parts)}."] if parts else []


def wrk_run(
    label: str, system: str, measured: dict[str, Any], cpu_of: str = "", **extra: Any
) -> Run:
    """A wrk measurement as a table row, with the CPU per request of ``cpu_of`` (default:
    the process named like ``system``)."""
    run = Run.from_load(label, system, measured, **extra)
    run.cpu_ms = measured.get("cpu_ms_per_req", {}).get(cpu_of or system)
    return run


def run(ctx: Context) -> ScenarioResult:
    targets = ctx.targets
    result = ScenarioResult(NAME, f"POST …/Messages, wrk c={ctx.sizes.concurrency}", ctx.mode)
    result.params = {"duration_s": ctx.sizes.duration, "warmup_s": ctx.sizes.warmup}
    work = ctx.tmp(NAME)
    with Procs() as procs:
        ctx.say("baseline: Starlette on uvicorn with uvloop + httptools")
        base = procs.add(server.baseline(work, ctx.log_level, pin=ctx.pins.server))
        spec = message_wrk(ctx, base.base_url, PLACEHOLDER_CH)
        base_load = wrk.run(spec, work, {"baseline": base.pid})
        procs.stop(base)
        result.runs.append(
            wrk_run("baseline: Starlette, uvloop + httptools", "baseline", base_load)
        )
        result.notes.append(
            f"wrk used {base_load['wrk_cpu_pct_of_core']:.0f} % of its core while driving the "
            f"baseline at {base_load['throughput_rps']:,.0f} req/s"
            + (" (it was not the limit)." if base_load["wrk_cpu_pct_of_core"] < 90 else ".")
        )

        receiver = procs.add(server.receiver(work, pin=ctx.pins.load))
        hookline, conversation = hookline_with_conversation(ctx, work, procs)
        watch = ctx.watch(hookline=hookline)
        ctx.say("hookline (a): no webhooks")
        plain_out = ctx.out / "profiles" / f"api-write-a-{ctx.db.kind}"
        with profile.recording(hookline.pid, plain_out, ctx.profile) as plain_notes:
            plain = wrk.run(message_wrk(ctx, hookline.base_url, conversation), work, watch)
        result.runs.append(wrk_run("hookline (a) no webhooks", "hookline", plain))

        ctx.say("hookline (b): post-event webhook onMessageAdded → receiver, same server")
        api.global_webhooks(
            hookline.base_url, post=f"{receiver.base_url}/hook/post", filters=["onMessageAdded"]
        )
        spec = message_wrk(ctx, hookline.base_url, conversation, webhooks=True)
        profile_out = ctx.out / "profiles" / f"api-write-b-{ctx.db.kind}"
        with profile.recording(hookline.pid, profile_out, ctx.profile) as profile_notes:
            hooked = wrk.run(spec, work, watch)
        at_end = api.receiver_stats(receiver.base_url)["count"]
        drain_started = time.monotonic()
        drained = api.wait_for_count(receiver.base_url, hooked["total_ok"], ctx.sizes.drain_timeout)
        drain_s = time.monotonic() - drain_started
        result.runs.append(
            wrk_run(
                "hookline (b) post-event webhook",
                "hookline",
                hooked,
                delivered_by_end_of_load=at_end,
                delivered_total=drained["count"],
                drain_after_load_s=round(drain_s, 2),
            )
        )
        result.notes.append(
            f"(b): {at_end:,} of {hooked['total_ok']:,} post-events delivered when the load "
            f"stopped; {drained['count']:,} after a further {drain_s:.1f} s."
        )
        result.notes += cpu_notes("baseline", base_load)
        result.notes += (
            cpu_notes("(a)", plain) + cpu_notes("(b)", hooked) + plain_notes + profile_notes
        )
        result.notes.append(
            f"hookline RSS after the load: {(hookline.rss_kb() or 0) / 1024:.0f} MiB."
        )

    base_rps = base_load["throughput_rps"] or 1.0
    base_errors = base_load["errors"]
    spoiled_a = invalid_runs(baseline_errors=base_errors, errors_or_non_2xx=plain["errors"])
    spoiled_b = invalid_runs(
        baseline_errors=base_errors,
        errors_or_non_2xx=hooked["errors"],
        post_events_never_delivered=max(0, hooked["total_ok"] - drained["count"]),
    )
    result.checks.append(
        Check(
            "(a) / baseline throughput",
            plain["throughput_rps"] / base_rps,
            ">=",
            targets.api_a,
            invalid=spoiled_a,
        )
    )
    result.checks.append(
        Check(
            "(b) / baseline throughput",
            hooked["throughput_rps"] / base_rps,
            ">=",
            targets.api_b,
            invalid=spoiled_b,
        )
    )
    return result
