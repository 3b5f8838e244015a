"""orphans (issue 16, PostgreSQL): two ``hookline worker`` processes beside a
``serve --no-worker``; kill -9 one of them under constant-rate load. Measured: how long
after the kill the last post-event of a message created before it arrived (the dead
worker's leased rows come back when their lease, no longer renewed, runs out)."""

from __future__ import annotations

import os
import signal
import threading
import time

from bench import api, paced, server
from bench.report import Check, Run, ScenarioResult, invalid_runs
from bench.scenarios.common import Context, Procs, messages_path

NAME = "orphans"
HOOK = "/hook/post"


def run(ctx: Context) -> ScenarioResult:
    result = ScenarioResult(NAME, "kill -9 one of two workers: orphans delivered", ctx.mode)
    if ctx.db.kind != "postgres":
        result.notes.append("PostgreSQL only (several workers on one database): skipped.")
        return result
    rate = 20.0 if ctx.mode == "quick" else 100.0
    seconds = max(4.0, float(ctx.sizes.duration))
    result.params = {"rate": rate, "duration_s": seconds}
    work = ctx.tmp(NAME)
    with Procs() as procs:
        receiver = procs.add(server.receiver(work, pin=ctx.pins.load, arrivals=True))
        url = ctx.db.new(NAME)
        hookline = procs.add(ctx.hookline(work, url, "--no-worker", pin=False))
        conversation = api.create_conversation(hookline.base_url)
        api.global_webhooks(
            hookline.base_url, post=receiver.base_url + HOOK, filters=["onMessageAdded"]
        )
        doomed = procs.add(server.worker(work, url, ctx.log_level))
        procs.add(server.worker(work, url, ctx.log_level))
        killed_at: list[float] = []

        def kill_midway() -> None:
            time.sleep(seconds / 2)  # the load generator's schedule, not a synchronisation
            os.kill(doomed.pid, signal.SIGKILL)
            killed_at.append(time.time())

        killer = threading.Thread(target=kill_midway)
        ctx.say(f"{rate:g} messages/s for {seconds:g} s; kill -9 of one worker midway")
        killer.start()
        load = paced.post_at_rate(hookline.base_url, [messages_path(conversation)], rate, seconds)
        killer.join()
        arrived = paced.wait_for_arrivals(
            receiver.base_url, len(load.created), ctx.sizes.drain_timeout, match=HOOK
        )
    kill = killed_at[0]
    before = {sid: at for sid, at in load.created.items() if at < kill}
    times = [arrived.get(f"{sid} {HOOK}") for sid in before]
    late = [at - kill for at in times if at is not None]
    slowest = max(late, default=0.0)
    missing = sum(1 for at in times if at is None)
    result.runs.append(
        Run(
            label="messages created before the kill",
            system="hookline",
            throughput=len(before),
            unit="messages",
            count=len(before) - missing,
            errors=load.errors,
            extra={"load": load.summary(), "slowest_after_kill_s": slowest},
        )
    )
    spoiled = invalid_runs(
        messages_not_created=load.errors,
        post_events_missing=len(load.created) - len(arrived),
    )
    result.checks.append(
        Check("last orphan arrived after the kill", slowest, "<=",
              ctx.targets.orphans_s, " s", invalid=spoiled)
    )  # fmt: skip
    return result
