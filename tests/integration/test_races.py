"""Every rule holds under concurrency: real parallel HTTP requests against one server.

Each test fires its requests from threads released together by a barrier, so they really
overlap in the server, and asserts the exact outcome both in the answers and through the
API's own lists. On PostgreSQL (READ COMMITTED) a check followed by an insert in another
statement races; how each rule is made atomic is written down in docs/concurrency.md.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from tests.support.control import call
from tests.support.server import ServerProcess

T = TypeVar("T")
BOTH_STORES = pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)


def at_once(count: int, request: Callable[[int], T]) -> list[T]:
    """Run ``request(i)`` for i in 0..count-1 in ``count`` threads started together."""
    barrier = threading.Barrier(count)

    def run(i: int) -> T:
        barrier.wait(timeout=60)
        return request(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def ok(server: ServerProcess, method: str, path: str, data: Any = None) -> Any:
    status, body = call(server, method, path, data)
    assert status < 300, f"{method} {path} -> {status}: {body}"
    return body


def listing(server: ServerProcess, path: str, key: str, size: int = 50) -> list[dict[str, Any]]:
    """Every item of a paged list, following ``next_page_url``."""
    items: list[dict[str, Any]] = []
    url: str | None = f"{path}?PageSize={size}"
    while url:
        body = ok(server, "GET", url.removeprefix(server.base_url))
        items.extend(body[key])
        url = body["meta"]["next_page_url"]
    return items


def outcome(answers: list[tuple[int, Any]]) -> Counter[tuple[int, int | None]]:
    """How many answers had each (status, Twilio error code)."""
    return Counter((status, None if status < 300 else body.get("code")) for status, body in answers)


def assert_outcome(answers: list[tuple[int, Any]], expected: dict[Any, int]) -> None:
    got = outcome(answers)
    assert got == expected, f"answers {dict(got)}, expected {expected}"


def conversation(server: ServerProcess) -> str:
    return str(ok(server, "POST", "/v1/Conversations", {"FriendlyName": "race"})["sid"])


@BOTH_STORES
def test_at_most_five_scoped_webhooks_per_conversation(server: ServerProcess) -> None:
    sid = conversation(server)
    path = f"/v1/Conversations/{sid}/Webhooks"
    fields = {"Target": "webhook", "Configuration.Url": "http://127.0.0.1:9/h",
              "Configuration.Filters": "onMessageAdded"}  # fmt: skip
    answers = at_once(20, lambda _: call(server, "POST", path, fields))
    assert_outcome(answers, {(201, None): 5, (400, 50361): 15})
    assert len(listing(server, path, "webhooks", size=5)) == 5


@BOTH_STORES
def test_a_chat_conversation_holds_at_most_100_participants(server: ServerProcess) -> None:
    sid = conversation(server)
    path = f"/v1/Conversations/{sid}/Participants"
    for i in range(95):
        ok(server, "POST", path, {"Identity": f"early-{i}"})
    answers = at_once(20, lambda i: call(server, "POST", path, {"Identity": f"late-{i}"}))
    assert_outcome(answers, {(201, None): 5, (400, 50417): 15})
    assert len(listing(server, path, "participants")) == 100


@BOTH_STORES
def test_a_conversation_holds_at_most_50_sms_participants(server: ServerProcess) -> None:
    sid = conversation(server)
    path = f"/v1/Conversations/{sid}/Participants"
    for i in range(45):
        ok(server, "POST", path, {"MessagingBinding.Address": f"+1555000{i:04d}"})
    answers = at_once(
        20, lambda i: call(server, "POST", path, {"MessagingBinding.Address": f"+1555100{i:04d}"})
    )
    assert_outcome(answers, {(201, None): 5, (400, 50422): 15})
    assert len(listing(server, path, "participants")) == 50


@BOTH_STORES
def test_one_open_conversation_per_address_and_proxy_address(server: ServerProcess) -> None:
    sids = [conversation(server) for _ in range(10)]
    binding = {"MessagingBinding.Address": "+15550001111",
               "MessagingBinding.ProxyAddress": "+15559990000"}  # fmt: skip
    answers = at_once(
        10, lambda i: call(server, "POST", f"/v1/Conversations/{sids[i]}/Participants", binding)
    )
    assert_outcome(answers, {(201, None): 1, (409, 50416): 9})
    holders = [
        sid
        for sid in sids
        if listing(server, f"/v1/Conversations/{sid}/Participants", "participants")
    ]
    assert len(holders) == 1


@BOTH_STORES
def test_the_same_identity_joins_many_conversations_at_once(server: ServerProcess) -> None:
    """The first join of an identity creates its User; parallel first joins share it."""
    sids = [conversation(server) for _ in range(10)]
    answers = at_once(
        10,
        lambda i: call(
            server, "POST", f"/v1/Conversations/{sids[i]}/Participants", {"Identity": "ana"}
        ),
    )
    assert_outcome(answers, {(201, None): 10})
    assert [u["identity"] for u in listing(server, "/v1/Users", "users")] == ["ana"]


@BOTH_STORES
def test_role_names_are_unique_per_service(server: ServerProcess) -> None:
    service = ok(server, "POST", "/v1/Services", {"FriendlyName": "roles"})["sid"]
    path = f"/v1/Services/{service}/Roles"
    fields = {"FriendlyName": "moderator", "Type": "conversation", "Permission": "sendMessage"}
    answers = at_once(20, lambda _: call(server, "POST", path, fields))
    assert_outcome(answers, {(201, None): 1, (400, 20001): 19})
    names = [role["friendly_name"] for role in listing(server, path, "roles")]
    assert names.count("moderator") == 1


@BOTH_STORES
@pytest.mark.parametrize("scope", ["global", "service"])
def test_concurrent_webhook_configuration_updates_all_succeed(
    server: ServerProcess, scope: str
) -> None:
    prefix = ""
    if scope == "service":
        prefix = "/v1/Services/" + ok(server, "POST", "/v1/Services", {"FriendlyName": "c"})["sid"]
    path = f"{prefix or '/v1'}/Configuration/Webhooks"

    def update(i: int) -> tuple[int, Any]:
        # Half the writers set the pre-event URL, half the post-event URL: with every
        # update a serialised read-modify-write, neither half's change is lost.
        name = "PreWebhookUrl" if i % 2 else "PostWebhookUrl"
        return call(server, "POST", path, {name: f"http://127.0.0.1:9/{i}", "Method": "POST"})

    answers = at_once(40, update)
    assert_outcome(answers, {(200, None): 40})
    final = ok(server, "GET", path)
    pre_urls = {body["pre_webhook_url"] for status, body in answers if status == 200}
    post_urls = {body["post_webhook_url"] for status, body in answers if status == 200}
    assert final["pre_webhook_url"] in {f"http://127.0.0.1:9/{i}" for i in range(1, 40, 2)}
    assert final["post_webhook_url"] in {f"http://127.0.0.1:9/{i}" for i in range(0, 40, 2)}
    assert final["pre_webhook_url"] in pre_urls and final["post_webhook_url"] in post_urls
    assert final in [body for _, body in answers], "the final configuration is no writer's"
