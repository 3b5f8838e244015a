"""The scenarios, in the order ``python -m bench`` runs them."""

from __future__ import annotations

from collections.abc import Callable

from bench.report import ScenarioResult
from bench.scenarios import (
    api_write,
    delivery,
    growth,
    isolation,
    lag,
    orphans,
    pre_event,
    samehost,
    scale,
)
from bench.scenarios.common import Context

Scenario = Callable[[Context], ScenarioResult]

SCENARIOS: dict[str, Scenario] = {
    api_write.NAME: api_write.run,
    pre_event.NAME: pre_event.run,
    delivery.NAME: delivery.run,
    growth.NAME: growth.run,
    isolation.NAME: isolation.run,
    samehost.NAME: samehost.run,
    lag.NAME: lag.run,
    orphans.NAME: orphans.run,
    scale.NAME: scale.run,
}
