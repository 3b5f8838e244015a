"""delivery: post-events per second from a full outbox to a fast local receiver."""

from __future__ import annotations

from typing import Any

from bench import server
from bench.report import Check, Run, ScenarioResult
from bench.scenarios.common import Context, Procs
from bench.scenarios.drain import PER_ENDPOINT, fill_and_drain, plain_client

NAME = "delivery"
TARGET = 0.70


def hookline_run(label: str, drained: dict[str, Any]) -> Run:
    http = drained["http"]
    return Run(
        label=label,
        system="hookline",
        throughput=drained["rate"],
        unit="deliveries/s",
        p50_ms=http["p50_ms"],
        p99_ms=http["p99_ms"],
        count=drained["delivered"],
        errors=drained["count"] - drained["delivered"],
        extra={key: value for key, value in drained.items() if key != "bodies"},
    )


def run(ctx: Context) -> ScenarioResult:
    count = ctx.sizes.deliveries
    result = ScenarioResult(NAME, f"{count:,} post-events → one fast receiver", ctx.mode)
    result.params = {"deliveries": count, "per_endpoint_concurrency": PER_ENDPOINT}
    work = ctx.tmp(NAME)
    with Procs() as procs:
        healthy = procs.add(server.receiver(work))
        drained = fill_and_drain(ctx, work, healthy, count)
        ctx.memo["delivery"] = drained
        ctx.say(f"baseline: plain aiohttp client, same bodies, concurrency {PER_ENDPOINT}")
        plain = plain_client(ctx, work, healthy, drained["bodies"])
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
            extra=plain,
        )
    )
    result.runs.append(hookline_run("hookline worker (outbox → receiver)", drained))
    if not drained["complete"]:
        result.notes.append(
            f"hookline delivered only {drained['delivered']:,} of {count:,} within "
            f"{ctx.sizes.drain_timeout:g} s."
        )
    result.notes.append(
        "Rates: receiver-counted requests ÷ (last - first request), on the receiver's clock; "
        "p50/p99: HTTP time per attempt (hookline: from its delivery log; baseline: client)."
    )
    result.notes.append(
        f"Outbox seeded in {drained['seed_s']:.1f} s; hookline RSS at the end "
        f"{(drained['rss_kb'] or 0) / 1024:.0f} MiB; outbox states {drained['outbox']}."
    )
    if drained["server_start_to_last_s"]:
        rate = count / drained["server_start_to_last_s"]
        result.notes.append(f"Including server start-up: {rate:,.0f} deliveries/s.")
    ratio = drained["rate"] / (plain["rate"] or 1.0)
    result.checks.append(Check("hookline / baseline deliveries/s", ratio, ">=", TARGET))
    return result
