"""Fill hookline's outbox through its API, start a server on it, and time how fast its
worker empties it.

Shared by the delivery and isolation scenarios. A first server (``--no-worker``, unpinned)
takes the set-up and exactly N messages per conversation with webhooks enabled, so the
outbox holds what the API writes; it is stopped, and a second server (pinned) starts on the
full outbox. The healthy receiver's own clock times first to last request.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench import api, load, proctree, profile, server
from bench.load import LoadSpec
from bench.scenarios.common import Context, Procs, create_messages, messages_path
from bench.server import PER_ENDPOINT, Proc

__all__ = ["PER_ENDPOINT", "drain", "fill", "healthy_receiver", "plain_client", "receiver_rate"]


def receiver_rate(stats: dict[str, Any]) -> float:
    """Requests per second between the first and the last request the receiver counted."""
    first, last, count = stats["first"], stats["last"], stats["count"]
    if not first or not last or last <= first:
        return 0.0
    return float(count / (last - first))


def fill(
    ctx: Context,
    work: Path,
    healthy: Proc,
    count: int,
    hang: Proc | None = None,
    hang_via: str = "scoped",
) -> str:
    """A database whose outbox holds ``count`` post-events for ``healthy`` and, with
    ``hang``, as many for it: via a conversation-scoped webhook on the same conversation
    (``scoped``) or a second service's webhook configuration (``service``)."""
    url = ctx.db.new("outbox")
    post_url = f"{healthy.base_url}/hook/post"
    with Procs() as procs:
        setup = procs.add(ctx.hookline(work, url, "--no-worker", pin=False))
        base = setup.base_url
        conversation = api.create_conversation(base)
        api.global_webhooks(base, post=post_url, filters=["onMessageAdded"])
        paths = [messages_path(conversation)]
        if hang is not None:
            hang_url = f"{hang.base_url}/hook/hang"
            if hang_via == "scoped":
                api.scoped_webhook(base, conversation, hang_url, ["onMessageAdded"])
            else:
                service = api.create_service(base, "hanging receiver")
                filters = ["onMessageAdded"]
                api.global_webhooks(base, post=hang_url, filters=filters, service_sid=service)
                other = api.create_conversation(base, "to the hang", service)
                paths.append(messages_path(other, service))
        ctx.say(f"creating {count:,} x {len(paths)} messages through the API")
        create_messages(ctx, work, base, paths, count)
        procs.stop(setup)
    return url


def drain(
    ctx: Context,
    work: Path,
    url: str,
    healthy: Proc,
    count: int,
    hang: Proc | None = None,
    profile_name: str | None = None,
) -> dict[str, Any]:
    """Start hookline (pinned) on the full outbox; wait until ``healthy`` got ``count``."""
    api.reset_receiver(healthy.base_url)
    if hang is not None:
        api.reset_receiver(hang.base_url)
    ctx.say("starting hookline on the full outbox")
    with Procs() as procs:
        started = time.time()
        hookline = procs.add(ctx.hookline(work, url))
        pids = ctx.watch(hookline=hookline)
        cpu_before = {name: proctree.tree_cpu_seconds(pid) for name, pid in pids.items()}
        count_before = api.receiver_stats(healthy.base_url)["count"]
        stall = ctx.sizes.stall_timeout if hang is not None else None
        out = ctx.out / "profiles" / f"{profile_name}-{ctx.db.kind}"
        with profile.recording(hookline.pid, out, bool(profile_name) and ctx.profile) as notes:
            stats = api.wait_for_count(healthy.base_url, count, ctx.sizes.drain_timeout, stall)
        cpu_after = {name: proctree.tree_cpu_seconds(pid) for name, pid in pids.items()}
        rss_kb = hookline.rss_kb()
        hang_stats = api.receiver_stats(hang.base_url) if hang is not None else None
        outbox = api.delivery_states(hookline.base_url)
        if hang is not None:
            # Its open requests would hold up hookline's graceful shutdown; measuring is done.
            hang.stop()
        stopping = time.monotonic()
        procs.stop(hookline)
        stop_s = time.monotonic() - stopping
    delivered = stats["count"] - count_before
    cpu_ms: dict[str, float] = {}
    for name in pids:
        before, after = cpu_before[name], cpu_after[name]
        if before is not None and after is not None and delivered > 0:
            cpu_ms[name] = round((after - before) * 1000 / delivered, 3)
    complete = stats["count"] >= count
    rate = receiver_rate(stats)
    if not complete and stats["first"]:
        # Gave up (time limit or stall): the rate over the whole wait, not just the burst.
        rate = stats["count"] / (stats["now"] - stats["first"])
    return {
        "count": count,
        "delivered": stats["count"],
        "complete": complete,
        "stalled": bool(stats.get("stalled")),
        "rate": rate,
        "receiver_first_to_last_s": (stats["last"] - stats["first"]) if stats["first"] else None,
        "server_start_to_last_s": stats["last"] - started if stats["last"] else None,
        "cpu_ms_per_delivery": cpu_ms,
        "rss_kb": rss_kb,
        "server_stop_s": round(stop_s, 2),
        "hang_receiver": hang_stats,
        "outbox": outbox,
        "notes": notes,
    }


def plain_client(
    ctx: Context, work: Path, healthy: Proc, sign: bool = False, bodies_file: str = ""
) -> dict[str, Any]:
    """A baseline: a bare aiohttp client, pinned like hookline, POSTs the bodies hookline
    delivered (recorded by the receiver) at hookline's per-endpoint concurrency; with
    ``sign``, signing each request and encoding its form as a user's client would
    (``bench.load``). ``bodies_file``: the recorded bodies, when already dumped."""
    if not bodies_file:
        bodies_file = api.call(healthy.base_url, "/dump", [], auth=False)["path"]
    api.reset_receiver(healthy.base_url)
    spec = LoadSpec(
        urls=[f"{healthy.base_url}/hook/baseline"],
        concurrency=PER_ENDPOINT,
        bodies_file=bodies_file,
        time_limit=ctx.sizes.drain_timeout,
        sign_with=api.AUTH[1] if sign else "",
    )
    client = load.run(spec, timeout=ctx.sizes.drain_timeout + 60, pin=ctx.pins.server)
    stats = api.receiver_stats(healthy.base_url)
    cpu_ms = client["client_cpu_s"] * 1000 / client["ok"] if client["ok"] else None
    return {
        "client": client,
        "receiver": stats,
        "rate": receiver_rate(stats),
        "cpu_ms": cpu_ms,
        "bodies_file": bodies_file,
    }


def healthy_receiver(ctx: Context, work: Path, record: bool = False) -> Proc:
    return server.receiver(work, pin=ctx.pins.load, record=work / "bodies.txt" if record else None)
