"""Holdings: the rows a worker holds start exactly as ``choose`` over all waiting rows would
start them, whatever order rows are held, started and released in (``startable`` tells
``choose`` how many URLs wait, so it can stop early: that count must stay true)."""

from __future__ import annotations

import time
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from hookline.delivery.fairness import choose
from hookline.delivery.holdings import Holdings
from hookline.store import DeliveryRow

_URLS = ["http://a.test/1", "http://a.test/2", "http://b.test/1"]


def _row(n: int, url: str) -> DeliveryRow:
    return DeliveryRow(
        seq=n, sid=f"DL{n:032d}", account_sid="AC" + "0" * 32, event_sid=f"EV{n}",
        event_type="onMessageAdded", conversation_sid=None, target="config", webhook_sid=None,
        url=url, endpoint=url.rsplit("/", 1)[0], method="POST", params={},
        idempotency_token="t", status="sending", attempts=1, first_attempt=1,
        next_attempt_at=None, lease_owner="w/1", lease_until=None, last_status=None,
        last_error=None, created_at=0.0, updated_at=0.0,
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("hold"), st.lists(st.integers(0, 2), max_size=6)),
            st.tuples(st.just("start"), st.just([])),
            st.tuples(st.just("release"), st.lists(st.integers(0, 30), max_size=3)),
        ),
        max_size=30,
    ),
    per_endpoint=st.integers(1, 4),
)
def test_started_rows_are_what_choosing_over_every_waiting_row_gives(
    steps: list[tuple[str, list[int]]], per_endpoint: int
) -> None:
    holdings = Holdings(per_endpoint, max_in_flight=6)
    made = 0
    for action, args in steps:
        if action == "hold":
            rows = [_row(made + i, _URLS[u]) for i, u in enumerate(args)]
            made += len(rows)
            holdings.hold(rows)
        elif action == "start":
            waiting = [held.slot for held in holdings.ready.values()]
            free = holdings.max_in_flight - holdings.slots.total
            expected = choose(waiting, holdings.slots, free, time.monotonic()) if free > 0 else []
            started = holdings.startable()
            assert [held.slot for held in started] == expected
        else:
            held_now = list(holdings.held.values())
            for index in args:
                if held_now and index < len(held_now):
                    holdings.release(held_now[index], 0.01, answered=True)
        waiting_urls = Counter(held.row.url for held in holdings.ready.values())
        assert holdings._ready_urls == waiting_urls
