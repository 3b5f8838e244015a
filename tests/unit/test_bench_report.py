"""bench judges honestly (test-audit item 4): a figure from spoiled runs is no result."""

from __future__ import annotations

import math

from rich.console import Console

from bench.paced import Paced, lags_ms
from bench.report import Check, ScenarioResult, invalid_runs, show
from bench.scenarios.lag import Step


def test_a_spoiled_or_missing_figure_is_never_met() -> None:
    assert Check("p99 added", 0.5, "<=", 3.0).met
    assert not Check("p99 added", 0.5, "<=", 3.0, invalid="4 errors").met
    assert not Check("p99 added", math.nan, "<=", 3.0).met
    assert Check("ratio", 0.95, ">=", 0.9).verdict() == "[green]yes[/green]"
    assert "no result (4 errors)" in Check("r", 1.0, ">=", 0.9, invalid="4 errors").verdict()


def test_invalid_runs_names_what_spoiled_them() -> None:
    assert invalid_runs(errors=0, missed=0) is None
    assert invalid_runs(errors=3, hook_calls_missing=1) == "3 errors, 1 hook calls missing"


def test_no_result_is_printed_and_written_as_such() -> None:
    result = ScenarioResult("x", "x", "quick")
    result.checks.append(Check("p50 added", -0.4, "<=", 1.0, " ms", invalid="negative"))
    console = Console(record=True, width=120)
    show(console, result)
    assert "no result (negative)" in console.export_text()
    (raw,) = result.to_json()["checks"]
    assert (raw["met"], raw["result"]) == (False, False)


def test_lags_count_a_message_only_when_it_reached_every_hook() -> None:
    created = {"IM1": 100.0, "IM2": 100.0}
    arrived = {"IM1 /a": 100.1, "IM1 /b": 100.3, "IM2 /a": 100.2}
    assert [round(lag) for lag in lags_ms(created, arrived, "/a", "/b")] == [300]


def _step(*, rate: float, sent: int, created: int, wall_s: float, arrived: int) -> Step:
    load = Paced(rate, sent=sent)
    load.created = {f"IM{n}": float(n) for n in range(created)}
    return Step(0.5, load, [20.0] * arrived, wall_s)


def test_a_lag_run_that_fell_behind_its_schedule_is_no_result() -> None:
    on_time = _step(rate=100, sent=1000, created=1000, wall_s=10.1, arrived=1000)
    assert on_time.spoiled() is None
    # Every message created and delivered promptly after its 201, but the 201s came late:
    # the server queued the load instead of taking it at the rate.
    behind = _step(rate=100, sent=1000, created=1000, wall_s=15.0, arrived=1000)
    assert behind.spoiled() == "the server fell behind: 15.0 s for 10 s of load"
    refused = _step(rate=100, sent=1000, created=990, wall_s=10.1, arrived=990)
    assert refused.spoiled() == "10 messages not created"
    missing = _step(rate=100, sent=1000, created=1000, wall_s=10.1, arrived=999)
    assert missing.spoiled() == "1 post events missing"
