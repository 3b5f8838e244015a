"""Regression tests for defects found by trying hookline from outside (issue 9, section 3).

Each one answered 500, leaked Python's own error text, accepted what it should refuse, or
answered differently for existing and unknown SIDs. Every answer here must be a clean 4xx
in Twilio's error JSON, and the server must still be up afterwards.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.reliability.conftest import Api, Reply, api_for
from tests.reliability.test_malformed_input import assert_clear_4xx, assert_still_up
from tests.support.server import ServerProcess, start_server

UNKNOWN_ACCOUNT = "AC" + "e" * 32
UNKNOWN_KEY = "SK" + "e" * 32


@pytest.fixture(scope="module")
def conversation(backend_server: ServerProcess) -> str:
    body = api_for(backend_server).ok("POST", "/v1/Conversations", {"FriendlyName": "ok"})
    return str(body["sid"])


@pytest.fixture
def client(backend_server: ServerProcess) -> Api:
    return api_for(backend_server)


def basic(username: str, password: str) -> dict[str, str]:
    """A Basic header from UTF-8 credentials (requests would encode them as Latin-1)."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize(
    "password",
    ["pässwörd", "€" * 32, "密码", "\U0001f600", "\x00"],
    ids=["latin", "euro-32", "cjk", "emoji", "nul"],
)
@pytest.mark.parametrize("username", ["server", UNKNOWN_ACCOUNT, UNKNOWN_KEY, "ünknown"])
def test_non_ascii_credentials_are_401_for_known_and_unknown_sids(
    backend_server: ServerProcess, client: Api, conversation: str, username: str, password: str
) -> None:
    user = backend_server.account_sid if username == "server" else username
    reply = client.call("GET", "/v1/Conversations", auth=None, headers=basic(user, password))
    assert_clear_4xx(reply, 401)
    assert reply.json()["code"] == 20003
    assert_still_up(backend_server, conversation)


def test_a_non_ascii_token_of_the_right_length_is_refused_like_a_wrong_one(
    backend_server: ServerProcess, client: Api
) -> None:
    """Same status, code and message whether the SID exists or not: nothing to tell apart."""
    token = "é" * len(backend_server.auth_token)
    answers = set()
    for user in (backend_server.account_sid, UNKNOWN_ACCOUNT):
        reply = client.call("GET", "/v1/Services", auth=None, headers=basic(user, token))
        answers.add((reply.status, reply.json()["code"], reply.json()["message"]))
    assert len(answers) == 1 and next(iter(answers))[0] == 401


def test_non_ascii_bytes_in_the_authorization_header_itself_are_401(
    backend_server: ServerProcess, client: Api
) -> None:
    reply = client.call(
        "GET",
        "/v1/Services",
        auth=None,
        headers={"Authorization": "Basic QUM6é".encode().decode("latin-1")},
    )
    assert_clear_4xx(reply, 401)


BAD_URLS = [
    "http://[::1",
    "http://[zz]/",
    "http://example.com:99999/",
    "http://example.com:-1/",
    "http://example.com:0/",
    "http://example.com:http/",
    "ftp://x",
    "http://",
    "example.com/hook",
    "http://exa mple.com/",
    "http://example.com/\tx",
    "http://exa$mple.com/",
]


def _rejected(reply: Reply, code: int) -> None:
    assert_clear_4xx(reply, 400)
    assert reply.json()["code"] == code, reply.json()


@pytest.mark.parametrize("url", BAD_URLS)
def test_malformed_webhook_urls_are_400_everywhere_and_nothing_is_stored(
    backend_server: ServerProcess, client: Api, conversation: str, url: str
) -> None:
    service = client.ok("GET", "/v1/Configuration")["default_chat_service_sid"]
    for path in ("/v1/Configuration/Webhooks", f"/v1/Services/{service}/Configuration/Webhooks"):
        for field in ("PreWebhookUrl", "PostWebhookUrl"):
            _rejected(client.call("POST", path, {field: url}), 20001)
            assert (
                client.ok("GET", path)[field.replace("WebhookUrl", "_webhook_url").lower()] != url
            )
    hooks = f"/v1/Conversations/{conversation}/Webhooks"
    scoped = {
        "Target": "webhook",
        "Configuration.Url": url,
        "Configuration.Filters": "onMessageAdded",
    }
    _rejected(client.call("POST", hooks, scoped), 50369)
    assert all(h["configuration"].get("url") != url for h in client.ok("GET", hooks)["webhooks"])
    flow = "/_hookline/flows/FW" + "a" * 32
    _rejected(client.call("POST", flow, {"Url": url}), 20001)
    assert all(f["url"] != url for f in client.ok("GET", "/_hookline/flows")["flows"])
    assert_still_up(backend_server, conversation)


def test_well_formed_webhook_urls_are_still_taken(client: Api, conversation: str) -> None:
    for url in ("https://hooks.example.com:8443/a?b=c", "http://[::1]:9/x", "http://bücher.de/"):
        assert (
            client.ok("POST", "/v1/Configuration/Webhooks", {"PostWebhookUrl": url})[
                "post_webhook_url"
            ]
            == url
        )
        assert client.ok("POST", "/_hookline/flows/FW" + "b" * 32, {"Url": url})["url"] == url


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ('{"score": NaN}', "NaN"),
        ("[1, Infinity]", "Infinity"),
        ("9" * 5000, "digits"),
        ('{"n": -' + "1" * 5000 + "}", "digits"),
    ],
    ids=[
        "NaN",
        "Infinity",
        "-Infinity",
        "nested-NaN",
        "nested-Infinity",
        "5000-digits",
        "nested-5000-digits",
    ],
)
def test_attributes_that_are_not_strict_json_are_400_50001(
    backend_server: ServerProcess, client: Api, conversation: str, value: str, says: str
) -> None:
    for path, extra in (
        ("/v1/Conversations", {}),
        (f"/v1/Conversations/{conversation}", {}),
        (f"/v1/Conversations/{conversation}/Messages", {"Body": "hi"}),
        (f"/v1/Conversations/{conversation}/Participants", {"Identity": "nan-participant"}),
        ("/v1/Users", {"Identity": "nan-user"}),
    ):
        reply = client.call("POST", path, {"Attributes": value, **extra})
        _rejected(reply, 50001)
        message = reply.json()["message"]
        assert message.startswith("Attributes must be valid JSON") and says in message
        assert "int_max_str_digits" not in message and "Exceeds the limit" not in message
    assert_still_up(backend_server, conversation)


@pytest.mark.parametrize("size", ["-1", "0", "101", "-0", "ten"])
def test_every_bad_page_size_gets_the_same_message(client: Api, size: str) -> None:
    reply = client.call("GET", "/v1/Conversations", params={"PageSize": size})
    _rejected(reply, 20001)
    assert reply.json()["message"] == "PageSize must be an integer from 1 to 100"


def test_page_size_bounds_are_inclusive(client: Api) -> None:
    for size in ("1", "100"):
        assert client.ok("GET", "/v1/Conversations", params={"PageSize": size})["meta"][
            "page_size"
        ] == int(size)


@pytest.fixture(scope="module")
def manual_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start_server(tmp_path_factory.mktemp("clock"), None, "--manual-clock")
    yield process
    process.stop()


TEN_YEARS = str(10 * 365 * 24 * 3600)


def test_the_manual_clock_stops_at_year_9999_and_nothing_overflows(
    manual_server: ServerProcess,
) -> None:
    client = api_for(manual_server)
    conv = client.ok("POST", "/v1/Conversations", {"FriendlyName": "long-lived"})["sid"]
    before: Any = None
    refused: Reply | None = None
    for _ in range(900):  # 2026 + 900 * 10 years is far past 9999
        before = client.ok("GET", "/_hookline/clock")["now"]
        reply = client.call("POST", "/_hookline/clock", {"Seconds": TEN_YEARS})
        if reply.status != 200:
            refused = reply
            break
    assert refused is not None, "the clock moved past year 9999"
    _rejected(refused, 20001)
    assert "9999-12-31T23:59:59Z" in refused.json()["message"]
    assert client.ok("GET", "/_hookline/clock")["now"] == before  # a refused move moves nothing

    # An hour before the end: a short timer fits, a day-long one would end after it.
    _advance_to(client, "9999-12-31T23:00:00Z")
    client.ok("POST", f"/v1/Conversations/{conv}", {"Timers.Inactive": "PT5M"})
    reply = client.call("POST", f"/v1/Conversations/{conv}", {"Timers.Closed": "P1D"})
    _rejected(reply, 20001)
    assert "Timers.Closed" in reply.json()["message"]
    _rejected(client.call("POST", "/v1/Conversations", {"Timers.Inactive": "P1D"}), 20001)

    # The last second: the short timer fires, writes still work, one more second is refused.
    _advance_to(client, "9999-12-31T23:59:59Z")
    _rejected(client.call("POST", "/_hookline/clock", {"Seconds": "1"}), 20001)
    client.ok("POST", f"/v1/Conversations/{conv}/Messages", {"Author": "a", "Body": "late"})
    assert client.ok("POST", "/v1/Conversations", {})["date_created"] == "9999-12-31T23:59:59Z"
    deadline = time.monotonic() + 30
    while client.ok("GET", f"/v1/Conversations/{conv}")["state"] != "inactive":
        assert time.monotonic() < deadline, "the timer did not fire at the end of time"
        time.sleep(0.2)
    assert manual_server.process.poll() is None
    assert "Traceback" not in manual_server.log(), manual_server.log()[-3000:]


def _advance_to(client: Api, target: str) -> None:
    now = client.ok("GET", "/_hookline/clock")["now"]
    seconds = (_moment(target) - _moment(now)).total_seconds()
    assert client.ok("POST", "/_hookline/clock", {"Seconds": str(int(seconds))})["now"] == target


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    "participant",
    ["[" * 100_000, '{"identity": "x", "attributes": {"n": NaN}}', "9" * 5000],
    ids=["deep", "NaN-attributes", "5000-digits"],
)
def test_conversation_with_participants_json_is_checked_as_strictly(
    backend_server: ServerProcess, client: Api, conversation: str, participant: str
) -> None:
    reply = client.call("POST", "/v1/ConversationWithParticipants", {"Participant": participant})
    assert_clear_4xx(reply, 400)
    assert "Exceeds the limit" not in reply.json()["message"]
    assert_still_up(backend_server, conversation)
