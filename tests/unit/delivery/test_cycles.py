"""Cycles: finished attempts are written together, in one transaction with the next claim,
and an attempt's ``record`` returns only once its outcome is committed (or raises what
the transaction raised)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

from hookline.delivery import cycles as cycles_module
from hookline.delivery.attempt import Judged
from hookline.delivery.cycles import FLUSH_BATCH, Cycles
from hookline.delivery.results import Outcome
from hookline.store import DeliveryOutcome, DeliveryRow, Store, Tx


class _Tx:
    def __init__(self, log: list[tuple[str, Any]]) -> None:
        self.log = log

    async def finish_deliveries(self, outcomes: list[DeliveryOutcome]) -> None:
        self.log.append(("finish", [o.sid for o in outcomes]))

    async def insert_attempts(self, attempts: list[Any]) -> None:
        self.log.append(("attempts", len(attempts)))


class _Store:
    """Each transaction's statements, and a commit that can be made to fail."""

    def __init__(self) -> None:
        self.transactions: list[list[tuple[str, Any]]] = []
        self.fail: Exception | None = None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Tx]:
        log: list[tuple[str, Any]] = []
        yield _Tx(log)
        if self.fail is not None:
            raise self.fail
        self.transactions.append(log)


def _judged(n: int) -> Judged:
    delivery = DeliveryOutcome(
        sid=f"DL{n}", lease_owner="w/1", status="delivered", attempts=1,
        next_attempt_at=None, last_status=200, last_error=None, updated_at=0.0,
    )  # fmt: skip
    return Judged(Outcome(delivery, None))


def _cycles(store: _Store, claimed: list[str], *, running: bool = True) -> Cycles:
    async def claim(tx: Tx) -> list[DeliveryRow]:
        cast(_Tx, tx).log.append(("claim", None))
        claimed.append("claim")
        return []

    return Cycles(
        cast(Store, store), claim=claim, start=lambda rows: len(rows),
        stopping=lambda: False, running=lambda: running,
    )  # fmt: skip


async def test_outcomes_finished_together_are_one_transaction_with_the_claim() -> None:
    store, claimed = _Store(), list[str]()
    cycles = _cycles(store, claimed)
    await asyncio.gather(
        cycles.record(_judged(1), claim=False),
        cycles.record(_judged(2), claim=True),
        cycles.record(_judged(3), claim=False),
    )
    assert store.transactions == [
        [("finish", ["DL1", "DL2", "DL3"]), ("attempts", 0), ("claim", None)]
    ]


async def test_a_full_batch_is_written_without_waiting_for_the_flush_timer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A timer that never fires in this test: only the batch size can write the batch.
    monkeypatch.setattr(cycles_module, "FLUSH_SECONDS", 3600.0)
    store, claimed = _Store(), list[str]()
    cycles = _cycles(store, claimed)
    records = [cycles.record(_judged(n), claim=False) for n in range(FLUSH_BATCH)]
    await asyncio.wait_for(asyncio.gather(*records), timeout=60)
    assert [len(t[0][1]) for t in store.transactions] == [FLUSH_BATCH]
    assert claimed == []


async def test_record_raises_what_the_transaction_raised() -> None:
    store, claimed = _Store(), list[str]()
    store.fail = RuntimeError("database down")
    cycles = _cycles(store, claimed, running=False)
    with pytest.raises(RuntimeError, match="database down"):
        await cycles.record(_judged(1), claim=False)
    assert store.transactions == []


async def test_claim_and_start_says_how_many_rows_the_cycle_started() -> None:
    store, claimed = _Store(), list[str]()
    cycles = _cycles(store, claimed)
    assert await cycles.claim_and_start() == 0
    assert claimed == ["claim"]
