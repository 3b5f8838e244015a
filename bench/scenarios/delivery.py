"""delivery: post-events per second from a full outbox to one fast receiver, against two
bare aiohttp clients sending the same bodies at the same concurrency.

Two baselines, because the two issues that set targets here defined theirs differently:
issue 10's client posts the recorded bytes (no signing, no encoding); issue 16's "bare
aiohttp client that signs and posts the same requests" signs each one and lets aiohttp
encode its form, as a user's client would (``bench.load``). Each ratio is printed, and
issue 16's drain target is checked against both, so neither reading hides the other.
"""

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
        # The same outbox drained again after the baselines: hookline's rate is the mean of
        # the two, so the machine's drift over the minute cancels out of the ratios.
        again_url = ctx.db.clone(url, f"{NAME}-again")
        drained = drain(ctx, work, url, healthy, count, profile_name="delivery")
        ctx.say(f"baseline: bare aiohttp client, same bodies, concurrency {PER_ENDPOINT}")
        plain = plain_client(ctx, work, healthy)
        ctx.say("baseline: bare aiohttp client signing each request, same bodies")
        signing = plain_client(ctx, work, healthy, sign=True, bodies_file=plain["bodies_file"])
        ctx.say("hookline again, on a copy of the same outbox")
        again = drain(ctx, work, again_url, healthy, count)
    for label, baseline in (
        (f"baseline: aiohttp client posting the recorded bytes, c={PER_ENDPOINT}", plain),
        (f"baseline: aiohttp client signing and encoding each request, c={PER_ENDPOINT}", signing),
    ):
        client = baseline["client"]
        result.runs.append(
            Run(
                label=label,
                system="baseline",
                throughput=baseline["rate"],
                unit="deliveries/s",
                p50_ms=client["p50_ms"],
                p99_ms=client["p99_ms"],
                count=client["ok"],
                errors=client["errors"],
                cpu_ms=baseline["cpu_ms"],
                extra=baseline,
            )
        )
    for turn, measured in (("before", drained), ("after", again)):
        label = f"hookline: serve's worker, outbox → receiver ({turn} the baselines)"
        result.runs.append(hookline_run(label, measured))
        if not measured["complete"]:
            result.notes.append(
                f"hookline ({turn}) delivered only {measured['delivered']:,} of {count:,} "
                f"within {ctx.sizes.drain_timeout:g} s."
            )
    rate = (drained["rate"] + again["rate"]) / 2
    result.notes.append(
        f"hookline's rate in the ratios: the mean of its two drains, {rate:,.0f} deliveries/s."
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
        with_start = count / drained["server_start_to_last_s"]
        result.notes.append(f"Including server start-up: {with_start:,.0f} deliveries/s.")
    spoiled = invalid_runs(
        baseline_errors=plain["client"]["errors"] + signing["client"]["errors"],
        post_events_not_delivered=max(0, count - drained["delivered"])
        + max(0, count - again["delivered"]),
    )
    ratio = rate / (plain["rate"] or 1.0)
    signed_ratio = rate / (signing["rate"] or 1.0)
    checks = (
        ("vs recorded bytes (issue 10)", ratio, ctx.targets.delivery),
        ("vs recorded bytes (issue 16)", ratio, ctx.targets.drain),
        ("vs signing client (issue 16's definition)", signed_ratio, ctx.targets.drain),
    )
    for label, value, goal in checks:
        result.checks.append(Check(f"deliveries/s {label}", value, ">=", goal, invalid=spoiled))
    return result
