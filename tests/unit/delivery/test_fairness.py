"""``fairness.choose`` and ``Slots``: which due rows a worker starts, without a database."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from hookline.delivery.fairness import Slots, choose, reserve_for, shares
from hookline.store import Candidate

HOST = "http://bot.test:80"
HEALTHY = "http://bot.test/hook?conv=healthy"


def row(n: int, url: str, webhook: str | None = None, host: str = HOST) -> Candidate:
    return Candidate(f"DL{n}", host, webhook, url)


def hanging(n: int) -> str:
    return f"http://bot.test/hook?conv=slow{n}"


def proven(slots: Slots, url: str, now: float = 0.0) -> None:
    """``url`` answered once, quickly."""
    probe = row(-1, url)
    slots.start(probe, now)
    slots.finish(probe, elapsed=0.01, answered=True)


def start_all(slots: Slots, rows: list[Candidate], now: float) -> None:
    for candidate in rows:
        slots.start(candidate, now)


def test_twelve_hanging_scoped_webhooks_leave_the_reserve_to_a_healthy_url() -> None:
    slots = Slots(8)
    proven(slots, HEALTHY)
    # Twelve conversations' scoped webhooks on the same host, all due before the healthy one.
    due = [row(n, hanging(n), webhook=f"WH{n}") for n in range(12)]
    started = choose(due, slots, free=100, now=0.0)
    assert len(started) == 8 - reserve_for(8) == 6, "new URLs share the unhealthy part"
    start_all(slots, started, now=0.0)
    # Later, while all of them hang (well past the slow mark), the healthy URL's rows come.
    later = [row(100 + n, hanging(n), webhook=f"WH{n}") for n in range(12)]
    later += [row(200 + n, HEALTHY) for n in range(4)]
    again = choose(later, slots, free=100, now=5.0)
    assert [c.url for c in again] == [HEALTHY, HEALTHY], "the reserve is the healthy URL's"
    assert slots.busy_urls(5.0) == sorted(hanging(n) for n in range(6))


def test_no_single_url_takes_every_slot_of_its_host() -> None:
    slots = Slots(8)
    for _ in range(20):
        proven(slots, HEALTHY)  # many quick answers: its limit grows to the cap
    chosen = choose([row(n, HEALTHY) for n in range(20)], slots, free=100, now=0.0)
    assert len(chosen) == slots.url_cap == 6
    other = "http://bot.test/other"
    start_all(slots, chosen, 0.0)
    assert [c.url for c in choose([row(50, other)], slots, free=100, now=0.0)] == [other]


def test_the_host_limit_and_the_free_room_hold() -> None:
    slots = Slots(4)
    urls = [f"http://bot.test/{n}" for n in range(10)]
    for url in urls:
        proven(slots, url)
    assert len(choose([row(n, url) for n, url in enumerate(urls)], slots, 100, 0.0)) == 4
    assert len(choose([row(n, url) for n, url in enumerate(urls)], slots, 2, 0.0)) == 2
    elsewhere = [row(n, f"http://other.test/{n}", host="http://other.test:80") for n in range(3)]
    mixed = [row(90 + n, url) for n, url in enumerate(urls)] + elsewhere
    # The other host has slots of its own: its three new URLs fit its unhealthy share (3).
    assert len(choose(mixed, slots, 100, 0.0)) == 4 + 3


def test_a_timeout_halves_a_urls_slots_and_answers_win_them_back() -> None:
    slots = Slots(16)
    url = "http://bot.test/model"
    for _ in range(20):
        proven(slots, url)
    assert slots.urls[url].limit == slots.url_cap == 12
    for expected in (6, 3, 1, 1):
        probe = row(1, url)
        slots.start(probe, 0.0)
        slots.finish(probe, elapsed=15.0, answered=False)
        assert slots.urls[url].limit == expected
    assert not slots.urls[url].healthy(0.0, slots.slow_after)
    proven(slots, url)
    assert slots.urls[url].limit == 2 and slots.urls[url].healthy(0.0, slots.slow_after)


def test_a_healthy_url_with_a_request_out_too_long_counts_as_slow() -> None:
    slots = Slots(8)
    proven(slots, HEALTHY)
    slots.start(row(1, HEALTHY), now=10.0)
    assert slots.urls[HEALTHY].healthy(11.0, slots.slow_after)
    assert not slots.urls[HEALTHY].healthy(10.0 + slots.slow_after, slots.slow_after)
    assert shares(slots, 20.0) == [(HEALTHY, 1, 3, False)]


def test_a_scoped_webhook_gets_one_delivery_at_a_time() -> None:
    slots = Slots(8)
    proven(slots, HEALTHY)
    due = [row(n, HEALTHY, webhook="WH1") for n in range(3)]
    chosen = choose(due, slots, 100, 0.0)
    assert [c.sid for c in chosen] == ["DL0"], "in order, one in flight"
    start_all(slots, chosen, 0.0)
    assert choose(due[1:], slots, 100, 0.0) == []
    slots.finish(chosen[0], elapsed=0.01, answered=True)
    assert [c.sid for c in choose(due[1:], slots, 100, 0.0)] == ["DL1"]


def test_a_row_never_sent_says_nothing_about_its_url() -> None:
    slots = Slots(8)
    proven(slots, HEALTHY)
    before = slots.urls[HEALTHY].limit
    given_back = row(1, HEALTHY)
    slots.start(given_back, 0.0)
    slots.finish(given_back, elapsed=None, answered=False)
    assert slots.urls[HEALTHY].limit == before and slots.total == 0


def test_one_slot_hosts_and_forgetting_idle_urls() -> None:
    slots = Slots(1, max_urls=3)
    assert (slots.reserve, slots.url_cap) == (0, 1)
    for n in range(5):
        proven(slots, f"http://bot.test/{n}")
    assert len(slots.urls) == 3, "the least recently used idle URLs are forgotten"
    assert len(choose([row(1, "http://bot.test/x")], slots, 10, 0.0)) == 1


def test_shares_list_urls_in_flight_and_idle_slow_ones() -> None:
    slots = Slots(8)
    proven(slots, HEALTHY)
    slow = "http://bot.test/slow"
    probe = row(1, slow)
    slots.start(probe, 0.0)
    slots.finish(probe, elapsed=15.0, answered=False)
    assert shares(slots, 0.0) == [(slow, 0, 1, False)], "an idle healthy URL is left out"
    slots.start(row(2, HEALTHY), 0.0)
    assert (HEALTHY, 1, 3, True) in shares(slots, 0.5)


def _choose_row_by_row(
    candidates: list[Candidate], slots: Slots, free: int, now: float
) -> list[Candidate]:
    """The rules of the module docstring, each row judged in full (``choose`` skips the
    later rows of a URL it found blocked: it must pick exactly these)."""
    hosts = Counter(slots.hosts)
    urls: Counter[str] = Counter()
    unhealthy: dict[str, int] = {}
    hooks = set(slots.webhooks)
    chosen: list[Candidate] = []
    for candidate in candidates:
        if len(chosen) >= free:
            break
        host, url = candidate.endpoint or "", candidate.url or ""
        state = slots.urls.get(url)
        in_flight = (len(state.started) if state else 0) + urls[url]
        limit = state.limit if state else min(2, slots.url_cap)
        healthy = state is not None and state.healthy(now, slots.slow_after)
        if host not in unhealthy:
            unhealthy[host] = slots.unhealthy_in_flight(host, now)
        if (
            hosts[host] >= slots.host_limit
            or (candidate.webhook_sid is not None and candidate.webhook_sid in hooks)
            or in_flight >= limit
            or (not healthy and unhealthy[host] >= slots.url_cap)
        ):
            continue
        unhealthy[host] += 0 if healthy else 1
        hosts[host] += 1
        urls[url] += 1
        if candidate.webhook_sid:
            hooks.add(candidate.webhook_sid)
        chosen.append(candidate)
    return chosen


_HOSTS = ["http://a.test:80", "http://b.test:80"]


@settings(max_examples=300, deadline=None)
@given(
    busy=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3), st.booleans()), max_size=12),
    due=st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 3), st.sampled_from([None, "WH1", "WH2"])),
        max_size=40,
    ),
    free=st.integers(0, 12),
    host_limit=st.integers(1, 8),
)
def test_choose_picks_what_judging_every_row_picks(
    busy: list[tuple[int, int, bool]],
    due: list[tuple[int, int, str | None]],
    free: int,
    host_limit: int,
) -> None:
    slots = Slots(host_limit)
    for n, (host, url, proven_fast) in enumerate(busy):
        target = f"{_HOSTS[host]}/u{url}"
        if proven_fast:
            proven(slots, target)
        slots.start(Candidate(f"DB{n}", _HOSTS[host], None, target), now=0.0)
    candidates = [
        Candidate(f"DL{n}", _HOSTS[host], webhook, f"{_HOSTS[host]}/u{url}")
        for n, (host, url, webhook) in enumerate(due)
    ]
    expected = _choose_row_by_row(candidates, slots, free, now=1.0)
    assert choose(candidates, slots, free, now=1.0) == expected
    # Told how many URLs the rows have, it stops once all are blocked: the same choice.
    distinct = len({c.url for c in candidates})
    assert choose(candidates, slots, free, now=1.0, distinct_urls=distinct) == expected
