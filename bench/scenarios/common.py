"""What every scenario shares: sizes per mode, targets per store, the run context, pinning,
process clean-up, and the message-create load."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console

from bench import api, load, server
from bench.database import Database
from bench.load import LoadSpec
from bench.server import Proc
from bench.wrk import WrkSpec


@dataclass(frozen=True)
class Sizes:
    #: Measured seconds per load run, and the warm-up before each (whole seconds: wrk).
    duration: int
    warmup: int
    concurrency: int = 32
    #: Post-events in the delivery scenario (and the PostgreSQL worker scaling run).
    deliveries: int = 500
    #: Post-events per receiver in the isolation scenario.
    isolation: int = 500
    growth_small: int = 1_000
    growth_large: int = 20_000
    #: Upper bound on waiting for a receiver to count everything, seconds.
    drain_timeout: float = 120.0
    #: Give up on a receiver whose count has not moved for this long (isolation only;
    #: shorter than hookline's 15 s read timeout so a stall shows as one).
    stall_timeout: float = 10.0


QUICK = Sizes(duration=2, warmup=1, drain_timeout=60, stall_timeout=5.0)
FULL = Sizes(
    duration=15,
    warmup=2,
    deliveries=10_000,
    isolation=20_000,
    growth_large=1_000_000,
    drain_timeout=900,
)


def sizes_for(quick: bool, **overrides: Any) -> Sizes:
    base = QUICK if quick else FULL
    return replace(base, **{key: value for key, value in overrides.items() if value is not None})


@dataclass(frozen=True)
class Targets:
    """The goals of issues 10 and 16, per store. Printed as met yes/no, never asserted."""

    api_a: float
    api_b: float
    pre_p99_added_ms: float
    pre_p50_added_ms: float = 1.0
    delivery: float = 0.70
    #: Issue 16's drain goal (hookline / bare client), lower than issue 10's.
    drain: float = 0.50
    isolation: float = 0.90
    growth_p99: float = 1.5
    #: Issue 16: healthy post-events beside 12 hanging scoped webhooks on the same
    #: host:port arrive within this (p99) after their message's 201.
    samehost_p99_ms: float = 2000.0
    #: Issue 16: post-event arrival p99 after the 201, at half of (a)'s throughput.
    lag_p99_ms: float = 250.0
    #: Issue 16: after kill -9 of one of two workers, everything arrives within this.
    orphans_s: float = 15.0


TARGETS = {
    "sqlite": Targets(api_a=0.50, api_b=0.40, pre_p99_added_ms=3.0),
    "postgres": Targets(api_a=0.30, api_b=0.25, pre_p99_added_ms=5.0, drain=0.35),
}


@dataclass(frozen=True)
class Pins:
    """``taskset -c`` cores: hookline and the baselines on ``server``; wrk and receivers on
    ``load``. None (no pinning) with --no-pin or on a single-CPU machine."""

    server: str | None
    load: str | None

    @classmethod
    def choose(cls, enabled: bool) -> Pins:
        cpus = sorted(os.sched_getaffinity(0))
        if not enabled or len(cpus) < 2:
            return cls(None, None)
        return cls(str(cpus[0]), str(cpus[1]))


@dataclass
class Context:
    mode: str
    sizes: Sizes
    workdir: Path
    console: Console
    db: Database
    pins: Pins
    log_level: str = "info"
    profile: bool = False
    #: Where profiles are written (with --profile).
    out: Path = Path(".")
    started: float = field(default_factory=time.monotonic)

    @property
    def targets(self) -> Targets:
        return TARGETS[self.db.kind]

    def tmp(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def say(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        self.console.print(f"[dim]  {elapsed:6.1f} s  {text}[/dim]")

    def watch(self, **procs: Proc) -> dict[str, int]:
        """Process trees whose CPU a load run records: the given ones and, when this run
        started the PostgreSQL cluster, its server."""
        pids = {name: proc.pid for name, proc in procs.items()}
        pg = self.db.server_pid()
        if pg is not None:
            pids["postgres"] = pg
        return pids

    def hookline(self, work: Path, database_url: str, *extra: str, pin: bool = True) -> Proc:
        return server.hookline(
            work,
            database_url,
            *extra,
            log_level=self.log_level,
            pin=self.pins.server if pin else None,
        )


class Procs(contextlib.AbstractContextManager["Procs"]):
    """Stops every process it was given (last started, first stopped), even on errors."""

    def __init__(self) -> None:
        self._procs: list[Proc] = []

    def add(self, proc: Proc) -> Proc:
        self._procs.append(proc)
        return proc

    def stop(self, proc: Proc) -> None:
        proc.stop()
        if proc in self._procs:
            self._procs.remove(proc)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for proc in reversed(self._procs):
            proc.stop()
        self._procs.clear()


BODY = {"Body": "hello from the hookline benchmark"}
WEBHOOKS_ON = {"X-Twilio-Webhook-Enabled": "true"}


def messages_path(conversation_sid: str, service_sid: str = "") -> str:
    prefix = f"/v1/Services/{service_sid}" if service_sid else "/v1"
    return f"{prefix}/Conversations/{conversation_sid}/Messages"


def message_wrk(
    ctx: Context,
    base_url: str,
    conversation_sid: str,
    *,
    webhooks: bool = False,
    concurrency: int | None = None,
    pin: bool = True,
) -> WrkSpec:
    """wrk POSTing ``/v1/Conversations/{CH}/Messages`` with Basic auth: issue 10's (a) to (c)."""
    headers = {"Authorization": load.basic_auth(*api.AUTH)}
    if webhooks:
        headers |= WEBHOOKS_ON
    return WrkSpec(
        url=base_url + messages_path(conversation_sid),
        concurrency=concurrency or ctx.sizes.concurrency,
        duration=ctx.sizes.duration,
        warmup=ctx.sizes.warmup,
        form=BODY,
        headers=headers,
        pin=ctx.pins.load if pin else None,
    )


def create_messages(
    ctx: Context, work: Path, base_url: str, paths: list[str], count: int
) -> dict[str, Any]:
    """Exactly ``count`` messages at each of ``paths`` (:func:`messages_path`; interleaved),
    webhooks enabled, through the API at concurrency 32 (the plain aiohttp client)."""
    bodies = work / f"fill-{time.monotonic_ns()}.txt"
    total = count * len(paths)
    bodies.write_bytes(b"".join(b"Body=fill+%d\n" % number for number in range(total)))
    spec = LoadSpec(
        urls=[base_url + path for path in paths],
        concurrency=ctx.sizes.concurrency,
        bodies_file=str(bodies),
        headers=WEBHOOKS_ON,
        auth=api.AUTH,
        time_limit=max(ctx.sizes.drain_timeout, 3600.0),
    )
    result = load.run(spec)
    if result["ok"] != total:
        raise RuntimeError(f"created {result['ok']} of {total} messages: {result['statuses']}")
    return result


def hookline_with_conversation(
    ctx: Context, work: Path, procs: Procs, database_url: str | None = None
) -> tuple[Proc, str]:
    url = database_url or ctx.db.new(work.name)
    proc = procs.add(ctx.hookline(work, url))
    return proc, api.create_conversation(proc.base_url)
