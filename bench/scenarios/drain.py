"""Fill hookline's outbox, start it, and time how fast its worker empties it.

Shared by the delivery and isolation scenarios. Set-up goes through the API (account,
conversation, webhook configuration) on a first server process; the events are then written
straight into the stopped server's database (:mod:`bench.seed`), and a second server process
is started on that full outbox. The healthy receiver's own clock times first to last request.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from bench import api, load, seed, server
from bench.load import LoadSpec
from bench.scenarios.common import Context, Procs
from bench.server import Proc
from bench.stats import summarize
from hookline.settings import Settings

PER_ENDPOINT = Settings().per_endpoint_concurrency


def receiver_rate(stats: dict[str, Any]) -> float:
    """Requests per second between the first and the last request the receiver counted."""
    first, last, count = stats["first"], stats["last"], stats["count"]
    if not first or not last or last <= first:
        return 0.0
    return float(count / (last - first))


def _attempt_latencies(db_path: Path, url_prefix: str) -> dict[str, Any]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT json_extract(doc, '$.latency_ms') FROM delivery_attempts "
            "WHERE json_extract(doc, '$.request.url') LIKE ? "
            "AND json_extract(doc, '$.response.status') BETWEEN 200 AND 299",
            (url_prefix + "%",),
        ).fetchall()
        statuses = conn.execute(
            "SELECT target, status, count(*) FROM deliveries GROUP BY target, status"
        ).fetchall()
    latencies = [float(value) for (value,) in rows if value is not None]
    return {
        "http": summarize(latencies),
        "attempts_ok": len(latencies),
        "outbox": {f"{target}/{status}": n for target, status, n in statuses},
    }


def _set_up(
    ctx: Context, work: Path, healthy: Proc, hang: Proc | None, hang_via: str
) -> list[seed.Stream]:
    """Configure webhooks through the API on a first server process, then stop it."""
    post_url = f"{healthy.base_url}/hook/post"
    with Procs() as procs:
        setup = procs.add(server.hookline(work, work / "hookline.db", log_level=ctx.log_level))
        base = setup.base_url
        conversation = api.create_conversation(base)
        api.global_webhooks(base, post=post_url, filters=["onMessageAdded"])
        streams = [seed.Stream(conversation, [seed.Target("config", post_url)])]
        if hang is not None:
            hang_url = f"{hang.base_url}/hook/hang"
            if hang_via == "scoped":
                sid = api.scoped_webhook(base, conversation, hang_url, ["onMessageAdded"])
                streams[0].targets.append(seed.Target("webhook", hang_url, sid))
            else:
                service = api.create_service(base, "hanging receiver")
                filters = ["onMessageAdded"]
                api.global_webhooks(base, post=hang_url, filters=filters, service_sid=service)
                other = api.create_conversation(base, "to the hanging receiver", service)
                streams.append(seed.Stream(other, [seed.Target("config", hang_url)]))
        procs.stop(setup)
    return streams


def fill_and_drain(
    ctx: Context,
    work: Path,
    healthy: Proc,
    count: int,
    hang: Proc | None = None,
    hang_via: str = "scoped",
) -> dict[str, Any]:
    """Deliver ``count`` post-events to ``healthy`` and, with ``hang``, as many to it: via a
    conversation-scoped webhook on the same conversation (``scoped``), or via a second
    service's webhook configuration and a conversation in it (``service``)."""
    db_path = work / "hookline.db"
    streams = _set_up(ctx, work, healthy, hang, hang_via)
    targets = sum(len(stream.targets) for stream in streams)
    ctx.say(f"writing {count:,} x {targets} post-event deliveries into the outbox")
    began = time.monotonic()
    bodies = seed.outbox_into(db_path, streams, count, server.AUTH_TOKEN)
    seed_s = time.monotonic() - began
    api.reset_receiver(healthy.base_url)
    if hang is not None:
        api.reset_receiver(hang.base_url)

    ctx.say("starting hookline on the full outbox")
    with Procs() as procs:
        started = time.time()
        hookline = procs.add(server.hookline(work, db_path, log_level=ctx.log_level))
        stall = ctx.sizes.stall_timeout if hang is not None else None
        stats = api.wait_for_count(healthy.base_url, count, ctx.sizes.drain_timeout, stall)
        rss_kb = hookline.rss_kb()
        cpu_s = hookline.cpu_seconds()
        hang_stats = api.receiver_stats(hang.base_url) if hang is not None else None
        stopping = time.monotonic()
        procs.stop(hookline)
        stop_s = time.monotonic() - stopping
    details = _attempt_latencies(db_path, f"{healthy.base_url}/hook/post")
    complete = stats["count"] >= count
    rate = receiver_rate(stats)
    if not complete and stats["first"]:
        # Gave up (time limit or stall): the rate over the whole wait, not just the burst.
        rate = stats["count"] / (stats["now"] - stats["first"])
    from_start = stats["last"] - started if stats["last"] else None
    return {
        "count": count,
        "delivered": stats["count"],
        "complete": complete,
        "stalled": bool(stats.get("stalled")),
        "rate": rate,
        "receiver_first_to_last_s": (stats["last"] - stats["first"]) if stats["first"] else None,
        "server_start_to_last_s": from_start,
        "seed_s": round(seed_s, 2),
        "server_stop_s": round(stop_s, 2),
        "rss_kb": rss_kb,
        "server_cpu_s": cpu_s,
        "hang_receiver": hang_stats,
        **details,
        "bodies": bodies,
    }


def plain_client(ctx: Context, work: Path, healthy: Proc, bodies: list[bytes]) -> dict[str, Any]:
    """The baseline: a plain aiohttp client POSTs the same bodies at the same concurrency."""
    bodies_file = work / "bodies.txt"
    bodies_file.write_bytes(b"\n".join(bodies) + b"\n")
    api.reset_receiver(healthy.base_url)
    spec = LoadSpec(
        url=f"{healthy.base_url}/hook/baseline",
        concurrency=PER_ENDPOINT,
        bodies_file=str(bodies_file),
        time_limit=ctx.sizes.drain_timeout,
    )
    client = load.run(spec, timeout=ctx.sizes.drain_timeout + 60)
    stats = api.receiver_stats(healthy.base_url)
    return {"client": client, "receiver": stats, "rate": receiver_rate(stats)}
