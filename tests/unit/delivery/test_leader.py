"""``DeliveryLeader``: of the processes of one ``serve --workers``, one holds the lock and
delivers; the others' wakes reach it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hookline.delivery.leader import DeliveryLeader


def test_one_process_leads_until_it_is_gone(tmp_path: Path) -> None:
    first, second = DeliveryLeader(tmp_path), DeliveryLeader(tmp_path)
    assert first.try_lead() and first.leads
    assert not second.try_lead() and not second.leads
    first.close()  # as when the leading process dies: the kernel drops the lock
    assert second.try_lead()
    second.close()


async def test_the_others_wake_the_leader(tmp_path: Path) -> None:
    leader, other = DeliveryLeader(tmp_path), DeliveryLeader(tmp_path)
    other.wake_leader()  # no leader yet: nothing happens, nothing fails
    assert leader.try_lead()
    woken = asyncio.Event()
    leader.listen(woken.set)
    for _ in range(3):
        other.wake_leader()
    await asyncio.wait_for(woken.wait(), 30)
    leader.close()
    other.close()
    other.wake_leader()  # the leader is gone: still nothing fails


async def test_a_new_leader_replaces_a_dead_one_s_socket(tmp_path: Path) -> None:
    dead = DeliveryLeader(tmp_path)
    assert dead.try_lead()
    dead.listen(lambda: None)
    # It dies: its lock goes with it, its socket file stays behind.
    assert dead._lock is not None
    dead._lock.close()
    dead._lock = None
    replacement = DeliveryLeader(tmp_path)
    assert replacement.try_lead()
    woken = asyncio.Event()
    replacement.listen(woken.set)
    DeliveryLeader(tmp_path).wake_leader()
    await asyncio.wait_for(woken.wait(), 30)
    replacement.close()
    dead.close()
