"""Hostile and broken requests: each gets a clear 4xx in Twilio's error JSON, and the
server stays up (it still answers a normal GET and its process is alive).

Runs on SQLite, and on PostgreSQL too when ``HOOKLINE_TEST_POSTGRES_URL`` is set (the two
stores reject different things: PostgreSQL has no NUL in text, SQLite no integer > 2**63).
"""

from __future__ import annotations

import base64
import http.client
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.reliability.conftest import Api, Reply, api_for
from tests.support.server import ServerProcess

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def conversation(backend_server: ServerProcess) -> str:
    sid: str = api_for(backend_server).ok("POST", "/v1/Conversations", {"FriendlyName": "ok"})[
        "sid"
    ]
    return sid


@pytest.fixture
def client(backend_server: ServerProcess) -> Api:
    return api_for(backend_server)


def assert_clear_4xx(reply: Reply, *statuses: int) -> None:
    assert 400 <= reply.status < 500, f"{reply.status}: {reply.body[:300]!r}"
    if statuses:
        assert reply.status in statuses, f"{reply.status}: {reply.body[:300]!r}"
    problem = reply.error_problem()
    assert problem is None, problem
    document = reply.json()
    assert document["more_info"].startswith("https://www.twilio.com/docs/errors/")
    assert document["message"]


def assert_still_up(server: ServerProcess, conversation: str) -> None:
    assert server.process.poll() is None, "the server died:\n" + server.log()[-3000:]
    reply = api_for(server).call("GET", f"/v1/Conversations/{conversation}")
    assert reply.status == 200, reply.body[:300]
    assert reply.json()["sid"] == conversation


def raw_request(
    server: ServerProcess,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | Iterator[bytes] = b"",
) -> Reply:
    """Send with http.client, tolerating the server answering before the body is sent."""
    host, port = server.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    user, token = server.account_sid, server.auth_token

    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
    } | headers
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        try:
            if isinstance(body, bytes):
                connection.send(body)
            else:
                for chunk in body:
                    connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                connection.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered early and closed; the answer is still there to read
        response = connection.getresponse()
        return Reply(response.status, response.read(), dict(response.getheaders()))
    finally:
        connection.close()


def test_oversized_body_with_content_length(
    backend_server: ServerProcess, conversation: str
) -> None:
    body = b"FriendlyName=" + b"x" * (5 * MIB)
    reply = raw_request(
        backend_server, "POST", "/v1/Conversations", FORM | {"Content-Length": str(len(body))}, body
    )
    assert_clear_4xx(reply, 413)
    assert_still_up(backend_server, conversation)


def test_oversized_chunked_body(backend_server: ServerProcess, conversation: str) -> None:
    chunks = (b"FriendlyName=" if i == 0 else b"x" * 65536 for i in range(81))
    reply = raw_request(
        backend_server,
        "POST",
        f"/v1/Conversations/{conversation}/Messages",
        FORM | {"Transfer-Encoding": "chunked"},
        chunks,
    )
    assert_clear_4xx(reply, 413)
    assert_still_up(backend_server, conversation)


def test_oversized_attributes_in_a_small_enough_body(
    client: Api, backend_server: ServerProcess, conversation: str
) -> None:
    """Just under the body limit: accepted (hookline sets no limit of its own on
    Attributes), stored whole and read back whole."""
    attributes = '{"k": "' + "x" * (MIB - 100) + '"}'
    reply = client.call("POST", f"/v1/Conversations/{conversation}", {"Attributes": attributes})
    assert reply.status == 200, reply.body[:300]
    assert reply.json()["attributes"] == attributes
    fetched = client.ok("GET", f"/v1/Conversations/{conversation}")
    assert fetched["attributes"] == attributes
    assert_still_up(backend_server, conversation)


INVALID_UTF8_BODIES = {
    "raw bytes": b"FriendlyName=\xff\xfe\xfd",
    "truncated sequence": b"FriendlyName=caf\xc3",
    "overlong encoding": b"FriendlyName=\xc0\xaf",
    "percent-encoded invalid bytes": b"FriendlyName=%ff%fe",
    "percent-encoded surrogate": b"FriendlyName=%ED%A0%80",
    "invalid key": b"Friendly\xffName=x",
}


@pytest.mark.parametrize("body", INVALID_UTF8_BODIES.values(), ids=INVALID_UTF8_BODIES.keys())
def test_invalid_utf8_form(
    client: Api, backend_server: ServerProcess, conversation: str, body: bytes
) -> None:
    reply = client.call("POST", "/v1/Conversations", body, headers=FORM)
    assert_clear_4xx(reply, 400)
    reply = client.call("POST", f"/v1/Conversations/{conversation}/Messages", body, headers=FORM)
    assert_clear_4xx(reply, 400)
    assert_still_up(backend_server, conversation)


BAD_ATTRIBUTES = {
    "truncated": '{"a": 1',
    "single quotes": "{'a': 1}",
    "trailing comma": '{"a": 1,}',
    "bare word": "hello",
    "empty object key": "{1: 2}",
    "control characters": '{"a": "\x01\x02"}\x00',
    "too many digits": "1" * 5000,
    "deeply nested": "[" * 100_000,
}


@pytest.mark.parametrize(
    "attributes",
    [pytest.param(value, id=name) for name, value in BAD_ATTRIBUTES.items()],
)
@pytest.mark.parametrize("target", ["conversation create", "conversation update", "message"])
def test_invalid_json_attributes(
    client: Api, backend_server: ServerProcess, conversation: str, target: str, attributes: str
) -> None:
    path = {
        "conversation create": "/v1/Conversations",
        "conversation update": f"/v1/Conversations/{conversation}",
        "message": f"/v1/Conversations/{conversation}/Messages",
    }[target]
    reply = client.call(
        "POST",
        path,
        {"Attributes": attributes, "Body": "x"}
        if target == "message"
        else {"Attributes": attributes},
    )
    assert_clear_4xx(reply, 400)
    assert_still_up(backend_server, conversation)


@pytest.mark.parametrize("count", [1001, 5000, 50_000])
def test_thousands_of_repeated_keys(
    client: Api, backend_server: ServerProcess, conversation: str, count: int
) -> None:
    body = "&".join(["FriendlyName=a"] * count)
    reply = client.call("POST", f"/v1/Conversations/{conversation}", body, headers=FORM)
    assert_clear_4xx(reply, 400, 413)
    reply = client.call(
        "POST",
        "/v1/Configuration/Webhooks",
        "&".join(["Filters=onMessageAdded"] * count),
        headers=FORM,
    )
    assert_clear_4xx(reply, 400, 413)
    assert_still_up(backend_server, conversation)


def test_many_distinct_unknown_keys(
    client: Api, backend_server: ServerProcess, conversation: str
) -> None:
    body = "&".join(f"Key{i}=v" for i in range(900))
    reply = client.call("POST", f"/v1/Conversations/{conversation}", body, headers=FORM)
    assert_clear_4xx(reply, 400)
    assert_still_up(backend_server, conversation)


_HUGE = "9" * 5000


def _paging_param(query: str) -> Any:
    return pytest.param(query, id=query[:40])


@pytest.mark.parametrize(
    "query",
    [
        _paging_param("PageSize=0"),
        _paging_param("PageSize=-1"),
        _paging_param("PageSize=101"),
        _paging_param("PageSize=abc"),
        _paging_param("PageSize=1.5"),
        _paging_param("PageSize=%C2%B2"),  # superscript two: isdigit(), not int()
        _paging_param("PageSize=99999999999999999999999"),
        _paging_param(f"PageSize={_HUGE}"),
        _paging_param("PageToken=XX12"),
        _paging_param("PageToken=PA"),
        _paging_param("PageToken=PA-1"),
        _paging_param("PageToken=PAabc"),
        _paging_param("PageToken=PA99999999999999999999999"),
        _paging_param(f"PageToken=PA{_HUGE}"),
        _paging_param(f"PageToken=PB{_HUGE}"),
        _paging_param("PageToken=PA%C2%B2"),
        _paging_param("Page=%C2%B2"),
        _paging_param(f"Page={_HUGE}"),
    ],
)
@pytest.mark.parametrize("resource", ["Conversations", "Messages", "Services"])
def test_absurd_paging(
    client: Api, backend_server: ServerProcess, conversation: str, resource: str, query: str
) -> None:
    path = {
        "Conversations": "/v1/Conversations",
        "Messages": f"/v1/Conversations/{conversation}/Messages",
        "Services": "/v1/Services",
    }[resource]
    reply = client.call("GET", f"{path}?{query}")
    assert_clear_4xx(reply, 400)
    assert_still_up(backend_server, conversation)


MALFORMED_SIDS = {
    "too short": "CH123",
    "wrong prefix": "XX" + "0" * 32,
    "not hex": "CH" + "g" * 32,
    "too long": "CH" + "0" * 33,
    "very long": "CH" + "0" * 8000,
    "nul byte": "CH%00" + "0" * 30,
    "invalid utf-8": "CH%FF%FE",
    "dot-dot": "..%2F..%2FServices",
    "snowman": "%E2%98%83" * 50,
    "sql": "CH'%20OR%20'1'%3D'1",
    "percent": "%25",
}


@pytest.mark.parametrize("sid", MALFORMED_SIDS.values(), ids=MALFORMED_SIDS.keys())
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_malformed_sids_in_paths(
    client: Api,
    backend_server: ServerProcess,
    conversation: str,
    sid: str,
    method: str,
) -> None:
    templates = [
        "/v1/Conversations/{}",
        "/v1/Services/{}",
        "/v1/Services/{}/Conversations/" + conversation,
        "/v1/Conversations/" + conversation + "/Messages/{}",
        "/v1/Conversations/" + conversation + "/Webhooks/{}",
        "/v1/Conversations/{}/Messages",
    ]
    for template in templates:
        path = template.format(sid)
        if method == "POST" and path.endswith(("/Services/" + sid,)):
            continue  # no such operation: 405
        form = (
            {"FriendlyName": "x"} if "/Messages/" not in path and "/Webhooks/" not in path else {}
        )
        reply = client.call(method, path, form if method == "POST" else None)
        assert_clear_4xx(reply, 400, 404, 405)
    assert_still_up(backend_server, conversation)


CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "application/xml",
    "application/octet-stream",
    "application/x-www-form-urlencodedx",
    "garbage;;;=",
]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_unknown_content_types(
    client: Api, backend_server: ServerProcess, conversation: str, content_type: str
) -> None:
    for path, body in [
        ("/v1/Conversations", b'{"FriendlyName": "x"}'),
        (f"/v1/Conversations/{conversation}/Messages", b"Body=hello"),
        ("/v1/Configuration/Webhooks", b"Filters=onMessageAdded"),
    ]:
        reply = client.call("POST", path, body, headers={"Content-Type": content_type})
        assert_clear_4xx(reply, 400, 415)
    assert_still_up(backend_server, conversation)


def test_nul_characters_are_refused(
    client: Api, backend_server: ServerProcess, conversation: str
) -> None:
    """No parameter takes a NUL (and PostgreSQL text cannot hold one): 400, not a 500."""
    for name in ("FriendlyName", "UniqueName", "Attributes"):
        reply = client.call("POST", "/v1/Conversations", {name: "a\x00b"})
        assert_clear_4xx(reply, 400)
    reply = client.call("POST", f"/v1/Conversations/{conversation}/Messages", {"Body": "\x00"})
    assert_clear_4xx(reply, 400)
    reply = client.call(
        "POST", f"/v1/Conversations/{conversation}", "Friendly%00Name=x", headers=FORM
    )
    assert_clear_4xx(reply, 400)
    reply = client.call("GET", "/v1/Conversations?State=active%00")
    assert_clear_4xx(reply, 400)
    assert_still_up(backend_server, conversation)


def test_other_control_characters_are_stored(
    client: Api, backend_server: ServerProcess, conversation: str
) -> None:
    text = "a\x01b\x1fc\x7f"
    reply = client.call("POST", f"/v1/Conversations/{conversation}/Messages", {"Body": text})
    assert reply.status == 201, reply.body[:300]
    sid = reply.json()["sid"]
    fetched = client.ok("GET", f"/v1/Conversations/{conversation}/Messages/{sid}")
    assert fetched["body"] == text


@pytest.mark.parametrize(
    "duration",
    [
        "PT1S",
        "P",
        "PT",
        "1D",
        "P-1D",
        "PT10M10",
        "P99999999D",
        "P9999999999D",
        f"P{_HUGE}D",
    ],
)
def test_absurd_timers(
    client: Api, backend_server: ServerProcess, conversation: str, duration: str
) -> None:
    reply = client.call("POST", f"/v1/Conversations/{conversation}", {"Timers.Inactive": duration})
    assert_clear_4xx(reply, 400)
    assert_still_up(backend_server, conversation)


def test_broken_http_does_not_take_the_server_down(
    backend_server: ServerProcess, conversation: str
) -> None:
    host, port = backend_server.base_url.removeprefix("http://").split(":")
    garbage = [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS hello
        b"GET /v1/Conversations HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /v1/Conversations HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort",
        b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n",
        b"\r\n" * 1000,
    ]
    for payload in garbage:
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            try:
                sock.sendall(payload)
                sock.shutdown(socket.SHUT_WR)
                sock.recv(65536)
            except OSError:
                pass
    assert_still_up(backend_server, conversation)


#: DateCreated as sent -> as rendered (UTC, second precision), or None for a 400: an
#: impossible date, or one whose UTC time falls outside the years 0001 to 9999.
DATES = {
    "2020-02-29T12:00:00Z": "2020-02-29T12:00:00Z",
    "1970-01-01T00:00:00+05:30": "1969-12-31T18:30:00Z",
    "0422-01-21T04:08:55Z": "0422-01-21T04:08:55Z",
    "2020-13-01T00:00:00Z": None,
    "2020-01-01T25:00:00Z": None,
    "not a date": None,
    "0001-01-01T00:00:00+01:00": None,
    "9999-12-31T23:59:59-01:00": None,
}


@pytest.mark.parametrize(("date", "rendered"), DATES.items(), ids=list(DATES))
@pytest.mark.parametrize("target", ["conversation", "message"])
def test_extreme_dates(
    client: Api,
    backend_server: ServerProcess,
    conversation: str,
    date: str,
    rendered: str | None,
    target: str,
) -> None:
    """Each date is accepted and rendered as its UTC time, or refused with a 400."""
    if target == "conversation":
        reply = client.call("POST", "/v1/Conversations", {"DateCreated": date})
    else:
        path = f"/v1/Conversations/{conversation}/Messages"
        reply = client.call("POST", path, {"DateCreated": date, "Body": "x"})
    if rendered is None:
        assert_clear_4xx(reply, 400)
        assert "DateCreated" in reply.json()["message"]
    else:
        assert reply.status == 201, reply.body[:300]
        assert reply.json()["date_created"] == rendered
    assert_still_up(backend_server, conversation)


@pytest.mark.parametrize(
    "query",
    [
        "After=-1",
        "After=abc",
        "Limit=0",
        "Limit=1001",
        "After=" + "9" * 30,
    ],
)
@pytest.mark.parametrize("path", ["/_hookline/deliveries", "/_hookline/events"])
def test_absurd_control_api_cursors(
    client: Api, backend_server: ServerProcess, conversation: str, path: str, query: str
) -> None:
    reply = client.call("GET", f"{path}?{query}")
    assert_clear_4xx(reply, 400)
    assert_still_up(backend_server, conversation)
