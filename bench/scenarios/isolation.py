"""isolation: a healthy receiver's delivery rate beside a receiver that never answers, fed
as many events, against the healthy receiver alone.

Two ways to point events at the hanging receiver, each its own run:

- ``service``: a second Conversation Service whose webhook configuration targets it, with
  its own conversation; messages alternate between the two conversations.
- ``scoped``: a conversation-scoped webhook on the very conversation whose global
  configuration targets the healthy receiver; each event has one delivery to each.

"Alone" is measured beside each variant, before and after it (one filled outbox, cloned
for each run), and the variant is compared with the mean of the two: this machine's speed
drifts by more than the target's margin within minutes, so a reference measured at
another time (the delivery scenario's, as before) compared two moments, not two setups.
"""

from __future__ import annotations

from typing import Any

from bench import server
from bench.report import Check, ScenarioResult
from bench.scenarios.common import Context, Procs
from bench.scenarios.delivery import hookline_run
from bench.scenarios.drain import drain, fill, healthy_receiver

NAME = "isolation"
VARIANTS = {
    "service": "hanging receiver on a second service's config",
    "scoped": "hanging receiver as a conversation-scoped webhook",
}


def run(ctx: Context) -> ScenarioResult:
    count = ctx.sizes.isolation
    result = ScenarioResult(
        NAME, f"{count:,} events -> healthy receiver, {count:,} -> one that never answers", ctx.mode
    )
    result.params = {"deliveries": count, "stall_timeout_s": ctx.sizes.stall_timeout}
    with Procs() as procs:
        healthy = procs.add(healthy_receiver(ctx, ctx.tmp(NAME)))
        filled = fill(ctx, ctx.tmp(f"{NAME}-alone"), healthy, count)

        def alone(turn: int) -> dict[str, Any]:
            ctx.say(f"healthy receiver alone ({turn})")
            work = ctx.tmp(f"{NAME}-alone-{turn}")
            measured = drain(ctx, work, ctx.db.clone(filled, work.name), healthy, count)
            reference = hookline_run(f"healthy receiver alone ({turn})", measured)
            reference.system = "baseline"
            result.runs.append(reference)
            return measured

        before = alone(1)
        for turn, (variant, label) in enumerate(VARIANTS.items(), start=2):
            work = ctx.tmp(f"{NAME}-{variant}")
            hang = procs.add(
                server.receiver(work, mode="hang", name="hang-receiver", pin=ctx.pins.load)
            )
            ctx.say(label)
            url = fill(ctx, work, healthy, count, hang=hang, hang_via=variant)
            shared = drain(ctx, work, url, healthy, count, hang=hang)
            procs.stop(hang)
            result.runs.append(hookline_run(f"healthy, with {label}", shared))
            after = alone(turn)
            reference_rate = (before["rate"] + after["rate"]) / 2
            before = after
            ratio = shared["rate"] / (reference_rate or 1.0)
            result.checks.append(
                Check(f"{variant}: healthy rate with / alone", ratio, ">=", ctx.targets.isolation)
            )
            hang_stats = shared["hang_receiver"] or {}
            result.notes.append(
                f"{variant}: the hanging receiver got {hang_stats.get('count', 0):,} requests; "
                f"outbox states at the end {shared['outbox']}."
            )
            if not shared["complete"]:
                why = "stalled" if shared["stalled"] else "ran out of time"
                result.notes.append(
                    f"{variant}: only {shared['delivered']:,} of {count:,} reached the healthy "
                    f"receiver ({why}: no progress for {ctx.sizes.stall_timeout:g} s); "
                    "its rate is taken over the whole wait."
                )
    return result
