"""What every scenario shares: sizes per mode, the run context, process clean-up."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console

from bench import api, server
from bench.load import LoadSpec
from bench.server import Proc


@dataclass(frozen=True)
class Sizes:
    #: Measured seconds per load run, and the warm-up before each.
    duration: float
    warmup: float
    concurrency: int = 32
    #: Post-events delivered in the delivery and isolation scenarios.
    deliveries: int = 500
    growth_small: int = 1_000
    growth_large: int = 20_000
    #: Upper bound on waiting for a receiver to count everything, seconds.
    drain_timeout: float = 120.0
    #: Give up on a receiver whose count has not moved for this long (isolation only;
    #: shorter than hookline's 15 s read timeout so a stall shows as one).
    stall_timeout: float = 10.0


QUICK = Sizes(
    duration=2.0,
    warmup=0.5,
    deliveries=500,
    growth_large=20_000,
    drain_timeout=60,
    stall_timeout=5.0,
)
#: The brief asks for 50,000 deliveries; on a 2-core machine hookline's worker needs far
#: longer than the ~15 minute budget for that (see bench/RESULTS.md), so full mode uses
#: 20,000 and ``--deliveries 50000`` runs the full size.
FULL = Sizes(
    duration=15.0, warmup=2.0, deliveries=20_000, growth_large=1_000_000, drain_timeout=900
)


def sizes_for(quick: bool, **overrides: Any) -> Sizes:
    base = QUICK if quick else FULL
    return replace(base, **{key: value for key, value in overrides.items() if value is not None})


@dataclass
class Context:
    mode: str
    sizes: Sizes
    workdir: Path
    console: Console
    log_level: str = "info"
    #: Results one scenario may reuse from another in the same run.
    memo: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def tmp(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def say(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        self.console.print(f"[dim]  {elapsed:6.1f} s  {text}[/dim]")


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


def message_load(
    base_url: str,
    conversation_sid: str,
    ctx: Context,
    *,
    webhooks: bool = False,
    concurrency: int | None = None,
    duration: float | None = None,
) -> LoadSpec:
    """POST /v1/Conversations/{CH}/Messages with Basic auth, as the brief's api-write."""
    headers = {"X-Twilio-Webhook-Enabled": "true"} if webhooks else {}
    return LoadSpec(
        url=f"{base_url}/v1/Conversations/{conversation_sid}/Messages",
        concurrency=concurrency or ctx.sizes.concurrency,
        duration=duration or ctx.sizes.duration,
        warmup=ctx.sizes.warmup,
        form={"Body": "hello from the hookline benchmark"},
        headers=headers,
        auth=api.AUTH,
    )


def hookline_with_conversation(ctx: Context, work: Path, procs: Procs) -> tuple[Proc, str]:
    proc = procs.add(server.hookline(work, work / "hookline.db", log_level=ctx.log_level))
    return proc, api.create_conversation(proc.base_url)


def cpu_ms_per_request(proc: Proc, cpu_before: float | None, requests: int) -> float | None:
    cpu_after = proc.cpu_seconds()
    if cpu_before is None or cpu_after is None or requests <= 0:
        return None
    return round((cpu_after - cpu_before) * 1000 / requests, 3)
