"""lag (issue 16): post-event arrival after the 201 under constant-rate load at half of
(a)'s throughput (messages without webhooks, measured first by wrk on the same server).

The load is open-loop (``bench.paced``): one message every 1/rate s whatever the answers,
each with webhooks enabled; the receiver keeps when each message's post-event arrived.
``BENCH_LAG_RATE`` (messages/s) fixes the rate instead, to compare two builds at one rate.

Then, with no target, how far the server is from that rate: the same load at
:data:`LADDER`'s shares of (a), each judged as the target is (every message created, every
post-event arrived, p99 within the target). Half of (a) fits on hookline's one core only
if a message with webhooks (its create, its outbox rows, its delivery) costs less than
twice one without: api-write prints both CPU costs.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from bench import api, paced, server, wrk
from bench.report import Check, Run, ScenarioResult, invalid_runs
from bench.scenarios.common import Context, Procs, hookline_with_conversation, message_wrk
from bench.stats import summarize

NAME = "lag"
HOOK = "/hook/post"
#: Shares of (a)'s throughput tried after the target's half, to show how far it is.
LADDER = (0.35, 0.40, 0.45)
#: A run whose last answer came later than this share of its schedule (plus the slack, for
#: the last requests' own time) fell behind the rate.
BEHIND = 1.1
BEHIND_SLACK_S = 0.5


@dataclass
class Step:
    """One constant-rate run and what arrived."""

    share: float | None  # of (a)'s throughput; None when BENCH_LAG_RATE set the rate
    load: paced.Paced
    lags: list[float]
    wall_s: float

    @property
    def schedule_s(self) -> float:
        return self.load.sent / self.load.rate

    def behind(self) -> bool:
        """The server answered slower than the load came: its requests queued, so the rate
        was not taken (a lag after each late 201 would prove nothing)."""
        return self.wall_s > self.schedule_s * BEHIND + BEHIND_SLACK_S

    def spoiled(self) -> str | None:
        """Why its p99 is no result (as issue 16 asks), or None."""
        late = self.load.late if self.load.late > self.load.sent // 100 else 0
        why = invalid_runs(
            messages_not_created=self.load.errors,
            post_events_missing=len(self.load.created) - len(self.lags),
            late_client_starts=late,
        )
        if why is None and self.behind():
            why = f"the server fell behind: {self.wall_s:.1f} s for {self.schedule_s:.0f} s of load"
        return why or (None if self.lags else "no post-event arrived")

    def run_row(self) -> Run:
        summary = summarize(self.lags)
        share = "" if self.share is None else f" ({self.share:.2f} of (a))"
        return Run(
            label=f"constant {self.load.rate:,.0f}/s{share}, webhooks on: arrival after 201",
            system="hookline",
            throughput=len(self.load.created) / self.wall_s,
            p50_ms=summary["p50_ms"],
            p99_ms=summary["p99_ms"],
            count=len(self.lags),
            errors=self.load.errors,
            extra={"load": self.load.summary(), "lag": summary, "wall_s": self.wall_s},
        )


def run(ctx: Context) -> ScenarioResult:
    result = ScenarioResult(NAME, "post-event lag after the 201 at half of (a)'s rate", ctx.mode)
    work = ctx.tmp(NAME)
    fixed = os.environ.get("BENCH_LAG_RATE") or None
    with Procs() as procs:
        receiver = procs.add(server.receiver(work, pin=ctx.pins.load, arrivals=True))
        hookline, conversation = hookline_with_conversation(ctx, work, procs)
        api.global_webhooks(
            hookline.base_url, post=receiver.base_url + HOOK, filters=["onMessageAdded"]
        )
        ctx.say("(a): messages without webhooks, wrk")
        plain = wrk.run(message_wrk(ctx, hookline.base_url, conversation), work)
        a_rps = float(plain["throughput_rps"])

        def step(share: float | None) -> Step:
            rate = share * a_rps if share is not None else float(fixed or 0)
            ctx.say(
                f"constant rate {rate:,.0f} messages/s with webhooks for {ctx.sizes.duration} s"
            )
            started = time.monotonic()
            load = paced.post_at_rate(
                hookline.base_url, ["/v1/Conversations/" + conversation + "/Messages"],
                rate, ctx.sizes.duration,
            )  # fmt: skip
            wall_s = time.monotonic() - started
            arrived = paced.wait_for_all(
                receiver.base_url, load.created, (HOOK,), ctx.sizes.drain_timeout
            )
            return Step(share, load, paced.lags_ms(load.created, arrived, HOOK), wall_s)

        target = step(None if fixed else 0.5)
        ladder = [] if fixed else [step(share) for share in LADDER]
    result.params = {"rate": target.load.rate, "duration_s": ctx.sizes.duration}
    result.runs.append(Run.from_load("(a) wrk, no webhooks", "baseline", plain))
    result.runs += [s.run_row() for s in [target, *ladder]]
    result.notes += _notes(ctx, target, ladder)
    spoiled = invalid_runs(errors_in_a=plain["errors"]) or target.spoiled()
    result.checks.append(
        Check("arrival p99 after the 201", summarize(target.lags)["p99_ms"], "<=",
              ctx.targets.lag_p99_ms, " ms", invalid=spoiled)
    )  # fmt: skip
    return result


def _notes(ctx: Context, target: Step, ladder: list[Step]) -> list[str]:
    notes = []
    for s in [target, *ladder]:
        if s.load.errors or s.behind():
            notes.append(
                f"At {s.load.rate:,.0f}/s: {s.load.errors:,} of {s.load.sent:,} messages not "
                f"created ({dict(s.load.statuses)}); the load took {s.wall_s:.1f} s for "
                f"{s.schedule_s:.0f} s of schedule."
            )
    if ladder:
        held = [
            s for s in ladder
            if s.spoiled() is None and summarize(s.lags)["p99_ms"] <= ctx.targets.lag_p99_ms
        ]  # fmt: skip
        best = max(held, key=lambda s: s.share or 0.0, default=None)
        notes.append(
            "No target, how far the target's rate is: "
            + (
                f"the highest share of (a) held (all created, all arrived, p99 within "
                f"{ctx.targets.lag_p99_ms:g} ms) was {best.share:.2f} "
                f"({best.load.rate:,.0f}/s, p99 {summarize(best.lags)['p99_ms']:.1f} ms)."
                if best is not None
                else f"none of {', '.join(f'{x:.2f}' for x in LADDER)} of (a) held."
            )
        )
    negative = sum(1 for lag in target.lags if lag < 0)
    if negative:
        notes.append(
            f"{negative:,} post-events arrived before their 201 reached the client "
            "(the webhook goes out at commit; the answer is written after): lag < 0."
        )
    return notes
