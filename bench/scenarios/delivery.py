"""delivery: post-events per second from a full outbox to one fast receiver, against a bare
aiohttp client sending the same bodies at the same concurrency."""

from __future__ import annotations

from typing import Any

from bench.report import Check, Run, ScenarioResult, invalid_runs
from bench.scenarios.common import Context, Procs
from bench.scenarios.drain import PER_ENDPOINT, drain, fill, healthy_receiver, plain_client

NAME = "delivery"


def hookline_run(label: str, drained: dict[str, Any]) -> Run:
    return Run(
        label=label,
        system="hookline",
        throughput=drained["rate"],
        unit="deliveries/s",
        count=drained["delivered"],
        errors=drained["count"] - drained["delivered"],
        cpu_ms=drained["cpu_ms_per_delivery"].get("hookline"),
        extra=drained,
    )


def run(ctx: Context) -> ScenarioResult:
    count = ctx.sizes.deliveries
    result = ScenarioResult(NAME, f"{count:,} post-events → one fast receiver", ctx.mode)
    result.params = {"deliveries": count, "per_endpoint_concurrency": PER_ENDPOINT}
    work = ctx.tmp(NAME)
    with Procs() as procs:
        healthy = procs.add(healthy_receiver(ctx, work, record=True))
        url = fill(ctx, work, healthy, count)
        drained = drain(ctx, work, url, healthy, count, profile_name="delivery")
        ctx.memo["delivery"] = drained
        ctx.say(f"baseline: bare aiohttp client, same bodies, concurrency {PER_ENDPOINT}")
        plain = plain_client(ctx, work, healthy)
    client = plain["client"]
    result.runs.append(
        Run(
            label=f"baseline: aiohttp client, c={PER_ENDPOINT}",
            system="baseline",
            throughput=plain["rate"],
            unit="deliveries/s",
            p50_ms=client["p50_ms"],
            p99_ms=client["p99_ms"],
            count=client["ok"],
            errors=client["errors"],
            cpu_ms=plain["cpu_ms"],
            extra=plain,
        )
    )
    result.runs.append(hookline_run("hookline: serve's worker, outbox → receiver", drained))
    if not drained["complete"]:
        result.notes.append(
            f"hookline delivered only {drained['delivered']:,} of {count:,} within "
            f"{ctx.sizes.drain_timeout:g} s."
        )
    result.notes.append(
        "Rates: receiver-counted requests ÷ (last - first request), on the receiver's clock. "
        "CPU per delivery: hookline's process tree while it drained / deliveries in that "
        "time; the baseline client's own CPU / requests."
    )
    result.notes.append(
        f"CPU ms per delivery {drained['cpu_ms_per_delivery']}; hookline RSS at the end "
        f"{(drained['rss_kb'] or 0) / 1024:.0f} MiB; outbox states {drained['outbox']}."
    )
    result.notes += drained["notes"]
    if drained["server_start_to_last_s"]:
        rate = count / drained["server_start_to_last_s"]
        result.notes.append(f"Including server start-up: {rate:,.0f} deliveries/s.")
    ratio = drained["rate"] / (plain["rate"] or 1.0)
    spoiled = invalid_runs(
        baseline_errors=client["errors"],
        post_events_not_delivered=max(0, count - drained["delivered"]),
    )
    for label, goal in (("issue 10", ctx.targets.delivery), ("issue 16", ctx.targets.drain)):
        check = Check(f"deliveries/s vs baseline ({label})", ratio, ">=", goal, invalid=spoiled)
        result.checks.append(check)
    return result
