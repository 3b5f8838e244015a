"""Fair delivery on one host (issue 16): hanging and misbehaving receivers on the same
host:port as a healthy conversation's webhooks cost only their own URLs' slots.

A real ``hookline serve`` (SQLite, and PostgreSQL when set) delivers to a raw-socket
receiver (tests/support/bad_receiver.py). The proof is an ordering, not a duration: every
healthy post-event arrives before hookline gives up on any hanging request (which it
does only at Twilio's 15 s timeout). Before this change the hanging URLs took all 8 of
the host's slots and the healthy ones waited for those timeouts.
"""

from __future__ import annotations

from tests.reliability.conftest import Api, all_deliveries
from tests.support.bad_receiver import BadReceiver, Seen

HOST_LIMIT = 8  # serve's default --per-endpoint-concurrency
UNHEALTHY_SHARE = HOST_LIMIT - HOST_LIMIT // 4
HEALTHY_MESSAGES = 10
TOKEN = "i-twilio-idempotency-token"


def conversation(api: Api, name: str, hook_url: str | None) -> str:
    sid = str(api.ok("POST", "/v1/Conversations", {"FriendlyName": name})["sid"])
    if hook_url is not None:
        fields = {
            "Target": "webhook",
            "Configuration.Url": hook_url,
            "Configuration.Filters": "onMessageAdded",
            "Configuration.Method": "POST",
        }
        api.ok("POST", f"/v1/Conversations/{sid}/Webhooks", fields)
    return sid


def post(api: Api, conversation_sid: str, body: str) -> str:
    message = api.ok(
        "POST",
        f"/v1/Conversations/{conversation_sid}/Messages",
        {"Author": "tester", "Body": body},
        headers={"X-Twilio-Webhook-Enabled": "true"},
    )
    return str(message["sid"])


def arrivals_of(bad: BadReceiver, sids: set[str], query: str) -> list[Seen]:
    return [
        s
        for s in bad.log
        if s.kind == "arrived" and s.query == query and s.params.get("MessageSid") in sids
    ]


def healthy_start(api: Api, bad: BadReceiver) -> str:
    """The global webhook and a healthy conversation's scoped webhook, both answered once
    (a URL that has answered quickly is healthy; one never heard from is not yet)."""
    api.ok(
        "POST",
        "/v1/Configuration/Webhooks",
        {"PostWebhookUrl": bad.base + "/ok?hook=global", "Filters": "onMessageAdded"},
    )
    healthy = conversation(api, "healthy", bad.base + "/ok?conv=healthy")
    first = {post(api, healthy, "warm-up")}
    bad.wait(
        "the warm-up reached both healthy URLs",
        lambda: arrivals_of(bad, first, "conv=healthy") and arrivals_of(bad, first, "hook=global"),
    )
    return healthy


def healthy_burst(api: Api, bad: BadReceiver, healthy: str) -> tuple[set[str], int]:
    """Post the healthy messages; the log position by which all their deliveries (scoped
    and global) had arrived."""
    sids = {post(api, healthy, f"healthy {n}") for n in range(HEALTHY_MESSAGES)}

    def all_arrived() -> bool:
        scoped = {s.params["MessageSid"] for s in arrivals_of(bad, sids, "conv=healthy")}
        global_ = {s.params["MessageSid"] for s in arrivals_of(bad, sids, "hook=global")}
        return scoped == sids == global_

    bad.wait("every healthy post-event arrived", all_arrived)
    with bad._cond:
        last = max(i for i, s in enumerate(bad.log) if s in arrivals_of(bad, sids, "conv=healthy"))
        last = max(last, *(bad.log.index(s) for s in arrivals_of(bad, sids, "hook=global")))
    return sids, last


def test_twelve_hanging_scoped_webhooks_on_the_same_host_leave_room_for_the_healthy_one(
    hookline: Api, bad: BadReceiver
) -> None:
    api = hookline
    healthy = healthy_start(api, bad)
    hanging = [conversation(api, f"hang {i}", bad.base + f"/hang?conv={i}") for i in range(12)]
    for sid in hanging:
        for n in range(2):
            post(api, sid, f"to a hanging hook {n}")
    bad.wait(
        "the unhealthy share of the host is hanging",
        lambda: len(bad.seen("arrived", "/hang")) >= UNHEALTHY_SHARE,
    )
    _, last_healthy = healthy_burst(api, bad, healthy)

    with bad._cond:
        log = list(bad.log)
    ended = [i for i, s in enumerate(log) if s.kind == "ended" and s.path == "/hang"]
    assert not ended or min(ended) > last_healthy, (
        "a healthy delivery waited for a hanging request to time out"
    )
    hanging_at_the_time = [s for s in log[: last_healthy + 1] if s.path == "/hang"]
    assert len(hanging_at_the_time) <= UNHEALTHY_SHARE, "hanging URLs took the reserve"

    # What a user sees meanwhile: the hanging URLs' requests and slots, in /metrics and
    # in the inspector's JSON.
    in_flight = {f"{bad.base}/hang?conv={s.query.split('=')[1]}" for s in hanging_at_the_time}
    metrics = api.call("GET", "/metrics", auth=None).body.decode()
    listing = api.ok("GET", "/_hookline/endpoints")["endpoints"]
    shown = {e["url"]: e for e in listing}
    for url in in_flight:
        if not any(s.kind == "ended" and url == f"{bad.base}/hang?{s.query}" for s in bad.log):
            assert f'hookline_endpoint_inflight{{url="{url}"}} 1.0' in metrics
            assert f'hookline_endpoint_slots{{url="{url}"}}' in metrics
            assert shown[url]["in_flight"] == 1 and shown[url]["healthy"] is False


def test_misbehaving_receivers_cost_only_their_own_slots(hookline: Api, bad: BadReceiver) -> None:
    api = hookline
    healthy = healthy_start(api, bad)
    kinds = {"hang": 3, "drip": 3, "close": 2, "huge": 2}
    urls = [bad.base + f"/{kind}?conv={kind}{i}" for kind, n in kinds.items() for i in range(n)]
    urls.append("http://hookline-test-no-such-host.invalid/hook?conv=dns")
    bad_convs = {conversation(api, f"bad {n}", url): url for n, url in enumerate(urls)}
    for sid in bad_convs:
        post(api, sid, "to a misbehaving receiver")
    bad.wait(
        "hanging and dripping receivers hold their share",
        lambda: len([s for s in bad.seen("arrived") if s.path in ("/hang", "/drip")]) >= 6,
    )
    healthy_sids, last_healthy = healthy_burst(api, bad, healthy)
    with bad._cond:
        log = list(bad.log)
    slow_ended = [
        i for i, s in enumerate(log) if s.kind == "ended" and s.path in ("/hang", "/drip")
    ]
    assert not slow_ended or min(slow_ended) > last_healthy

    # Then everything settles: nothing lost, nothing sent twice but under its own token.
    def settled() -> bool:
        rows = all_deliveries(api)
        return all(row["status"] not in ("pending", "sending") for row in rows)

    bad.wait("every delivery reached a final state", settled, timeout=240)
    rows = all_deliveries(api)
    by_url = {row["url"]: row for row in rows if row["url"] in urls}
    assert len(by_url) == len(urls)
    for url, row in by_url.items():
        expected = "delivered" if "/huge" in url else "failed"
        assert row["status"] == expected, (url, row["status"], row["last_error"])
    healthy_rows = [r for r in rows if r["url"].endswith("conv=healthy")]
    assert all(row["status"] == "delivered" for row in healthy_rows)
    tokens = [
        s.headers.get(TOKEN)
        for s in bad.seen("arrived", "/ok")
        if s.params.get("MessageSid") in healthy_sids
    ]
    assert len(tokens) == len(set(tokens)) == 2 * HEALTHY_MESSAGES, "a healthy delivery repeated"
