"""bench judges honestly (test-audit item 4): a figure from spoiled runs is no result."""

from __future__ import annotations

import math

from rich.console import Console

from bench.paced import lags_ms
from bench.report import Check, ScenarioResult, invalid_runs, show


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
