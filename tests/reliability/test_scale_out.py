"""The scale-out story on PostgreSQL: two ``hookline serve --no-worker`` and two
``hookline worker`` processes on one database, under load; kill -9 one worker while it
has deliveries in flight. Every committed post-event is still delivered; a delivery is
repeated only if the killed worker held it (its lease had to expire first), and every
repeat carries the same I-Twilio-Idempotency-Token.

Which rows the killed worker held is read from the database at the moment of the kill
(the surviving worker is paused with SIGSTOP meanwhile, so nothing can change them). The
workers run with a short lease (``HOOKLINE_DELIVERY_LEASE_SECONDS``) so the takeover
comes within seconds. Waits are on conditions, with generous deadlines.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.reliability.conftest import (
    POSTGRES_URL,
    Api,
    all_deliveries,
    api_for,
    fresh_postgres_database,
)
from tests.support.receiver import Received, Receiver
from tests.support.server import ServerProcess, start_server, start_worker
from tests.support.waiting import wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="HOOKLINE_TEST_POSTGRES_URL is not set"),
]

LEASE_SECONDS = 4.0
RECEIVER_DELAY = 0.3
CLIENT_THREADS = 4
MAX_POSTS_PER_THREAD = 60
#: The kill waits until the receiver has seen this many deliveries under load...
DELIVERED_BEFORE_KILL = 30
#: ... and the doomed worker has this many deliveries in flight.
IN_FLIGHT_AT_KILL = 2
HOOK_PATH = "/hook"
TOKEN = "I-Twilio-Idempotency-Token"


@dataclass
class Post:
    server: int
    status: int
    message_sid: str | None


@dataclass
class Held:
    """A delivery the killed worker had leased and not finished."""

    sid: str
    token: str
    lease_until: float


def sql(url: str, query: str, *args: Any) -> list[dict[str, Any]]:
    import asyncpg

    async def run() -> list[dict[str, Any]]:
        connection = await asyncpg.connect(url)
        try:
            return [dict(row) for row in await connection.fetch(query, *args)]
        finally:
            await connection.close()

    return asyncio.run(run())


def sending(url: str, owner: str | None = None) -> list[dict[str, Any]]:
    query = "SELECT sid, idempotency_token, lease_owner, lease_until FROM deliveries"
    query += " WHERE status = 'sending'"
    if owner is None:
        return sql(url, query)
    # A lease owner is "<worker>/<claim number>": the worker is the part before the slash.
    return sql(url, query + " AND split_part(lease_owner, '/', 1) = $1", owner)


def worker_of(lease_owner: object) -> str:
    return str(lease_owner).split("/")[0]


def post_loop(
    api: Api, server: int, conversation_sid: str, stop: threading.Event, out: list[Post]
) -> None:
    session = requests.Session()
    session.auth = api.credentials
    for n in range(MAX_POSTS_PER_THREAD):
        if stop.is_set():
            return
        response = session.post(
            f"{api.base_url}/v1/Conversations/{conversation_sid}/Messages",
            data={"Author": f"client-{server}", "Body": f"server {server} message {n}"},
            headers={"X-Twilio-Webhook-Enabled": "true"},
            timeout=30,
        )
        sid = response.json().get("sid") if response.status_code == 201 else None
        out.append(Post(server, response.status_code, sid))


def post_one(api: Api, conversation_sid: str) -> str:
    body = api.ok(
        "POST",
        f"/v1/Conversations/{conversation_sid}/Messages",
        {"Author": "warm-up", "Body": "warm-up"},
        headers={"X-Twilio-Webhook-Enabled": "true"},
    )
    return str(body["sid"])


def new_owner(url: str, api: Api, conversation_sid: str, known: set[str], posted: list[str]) -> str:
    """The lease owner of a worker not in ``known``, seen on a delivery it holds: posts
    messages (appending their SIDs to ``posted``) until one is caught in its hands."""

    def claimed_or_done() -> str | None:
        owners = {worker_of(row["lease_owner"]) for row in sending(url)} - known
        if owners:
            return owners.pop()
        return None if pending(url) or sending(url) else "done"

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        posted.append(post_one(api, conversation_sid))
        found = wait_until("a warm-up delivery is claimed or done", claimed_or_done)
        if found != "done":
            return str(found)
    raise AssertionError("no new worker was seen holding a delivery")


def both_delivering(url: str, doomed_owner: str) -> bool:
    """The doomed worker has IN_FLIGHT_AT_KILL deliveries in flight, the other one some."""
    owners = Counter(worker_of(row["lease_owner"]) for row in sending(url))
    return owners[doomed_owner] >= IN_FLIGHT_AT_KILL and len(owners) == 2


def pending(url: str) -> bool:
    return bool(sql(url, "SELECT sid FROM deliveries WHERE status = 'pending' LIMIT 1"))


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[Any]]:
    """Everything started, stopped at the end (a paused worker is continued first)."""
    started: list[Any] = []
    yield started
    for process in started:
        if isinstance(process, ServerProcess):
            process.stop()
        elif process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def test_two_servers_two_workers_kill_9_one_worker(
    tmp_path: Path, receiver: Receiver, processes: list[Any]
) -> None:
    assert POSTGRES_URL
    receiver.respond(HOOK_PATH, 200, delay=RECEIVER_DELAY)
    worker_env = {"HOOKLINE_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS)}
    with fresh_postgres_database(POSTGRES_URL) as url:
        servers = [start_server(tmp_path, url, "--no-worker") for _ in range(2)]
        processes.extend(servers)
        apis = [api_for(server) for server in servers]
        apis[0].ok(
            "POST",
            "/v1/Configuration/Webhooks",
            {"PostWebhookUrl": receiver.base + HOOK_PATH, "Filters": "onMessageAdded"},
        )
        conversations = [
            apis[0].ok("POST", "/v1/Conversations", {"FriendlyName": f"scale {i}"})["sid"]
            for i in range(2)
        ]

        # The doomed worker runs alone first, so the first lease owner seen is its own.
        doomed = start_worker(url, tmp_path / "worker-1.log", worker_env)
        processes.append(doomed)
        warm_ups: list[str] = []
        doomed_owner = new_owner(url, apis[0], conversations[0], set(), warm_ups)
        survivor = start_worker(url, tmp_path / "worker-2.log", worker_env)
        processes.append(survivor)
        # The load starts once the second worker is delivering too.
        new_owner(url, apis[1], conversations[1], {doomed_owner}, warm_ups)

        stop = threading.Event()
        per_thread: list[list[Post]] = [[] for _ in range(CLIENT_THREADS)]
        threads = [
            threading.Thread(
                target=post_loop,
                args=(apis[i % 2], i % 2, conversations[i % 2], stop, per_thread[i]),
                daemon=True,
            )
            for i in range(CLIENT_THREADS)
        ]
        for thread in threads:
            thread.start()

        wait_until(
            f"{DELIVERED_BEFORE_KILL} deliveries arrived and both workers have some in flight",
            lambda: (
                len(receiver.requests) >= DELIVERED_BEFORE_KILL
                and both_delivering(url, doomed_owner)
            ),
        )
        survivor.send_signal(signal.SIGSTOP)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
        killed_at = time.time()
        held = [
            Held(row["sid"], row["idempotency_token"], row["lease_until"])
            for row in sending(url, doomed_owner)
        ]
        survivor.send_signal(signal.SIGCONT)
        assert held, "the worker was not killed mid-delivery"
        # Posting stops here: the survivor then has room to take over the held rows as
        # soon as their leases allow (a backlog would hide a takeover that came too early).

        stop.set()
        for thread in threads:
            thread.join(60)
        posts = [p for posts in per_thread for p in posts]
        created_sids = {p.message_sid for p in posts if p.status == 201} | set(warm_ups)

        def settled() -> bool:
            delivered = {r.params.get("MessageSid") for r in list(receiver.requests)}
            open_rows = sql(url, "SELECT sid FROM deliveries WHERE status <> 'delivered'")
            return created_sids <= delivered and not open_rows

        wait_until("every committed post-event is delivered", settled, timeout=180)

        assert [p for p in posts if p.status != 201] == []
        assert {p.server for p in posts} == {0, 1}, "the load did not reach both servers"
        received = list(receiver.requests)
        check_deliveries(apis[1], created_sids, received, held, killed_at)


def check_deliveries(
    api: Api,
    created: set[str | None],
    received: list[Received],
    held: list[Held],
    killed_at: float,
) -> None:
    by_message: dict[str, list[Received]] = defaultdict(list)
    for request in received:
        by_message[request.params.get("MessageSid", "")].append(request)
    assert set(by_message) == created, "a delivery for a message that was not created"

    tokens: dict[str, str] = {}
    for sid, requests_for_sid in by_message.items():
        seen = {r.headers.get(TOKEN) for r in requests_for_sid}
        assert len(seen) == 1 and None not in seen, f"{sid} was sent with tokens {seen}"
        tokens[sid] = str(seen.pop())
    assert len(set(tokens.values())) == len(tokens), "two messages share a token"

    held_tokens = {h.token for h in held}
    repeated = {tokens[sid] for sid, reqs in by_message.items() if len(reqs) > 1}
    assert repeated <= held_tokens, (
        f"{len(repeated - held_tokens)} deliveries repeated that the killed worker did not hold"
    )

    # Each held row was taken over only once its lease had expired: whatever reached the
    # receiver after the kill came from the taker, which may claim it only after lease_until.
    assert all(row["status"] == "delivered" for row in all_deliveries(api))
    for row in held:
        after_kill = [r.received_at for r in received if r.headers.get(TOKEN) == row.token]
        after_kill = [at for at in after_kill if at > killed_at]
        assert after_kill, f"held delivery {row.sid} was not sent again after the kill"
        early = [at for at in after_kill if at < row.lease_until]
        assert not early, f"{row.sid} was sent again {row.lease_until - min(early):.2f} s early"
    print(
        f"{len(created)} messages created, {len(received)} deliveries received, "
        f"{len(held)} in flight at the kill, {len(repeated)} repeated"
    )
