"""``multipart/form-data`` bodies (twilio-node 3.x sends them): accepted like form-encoded
ones, with the same limits; broken ones get a 4xx in Twilio's error JSON and the server
stays up. Runs on SQLite, and on PostgreSQL too when ``HOOKLINE_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import pytest

from tests.reliability.conftest import Api, Reply, api_for
from tests.reliability.test_malformed_input import (
    MIB,
    assert_clear_4xx,
    assert_still_up,
    raw_request,
)
from tests.support.server import ServerProcess

BOUNDARY = "hooklineBoundary7MA4YWxk"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def part(name: str, value: bytes | str, extra: str = "") -> bytes:
    data = value.encode() if isinstance(value, str) else value
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n\r\n'
    return head.encode() + data + b"\r\n"


def multipart(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post(server: ServerProcess, path: str, body: bytes, content_type: str = MULTIPART) -> Reply:
    headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
    return raw_request(server, "POST", path, headers, body)


@pytest.fixture(scope="module")
def conversation(backend_server: ServerProcess) -> str:
    body = multipart(part("FriendlyName", "made from multipart"))
    reply = post(backend_server, "/v1/Conversations", body)
    assert reply.status == 201, reply.body[:300]
    document = reply.json()
    assert document["friendly_name"] == "made from multipart"
    sid: str = document["sid"]
    return sid


@pytest.fixture
def client(backend_server: ServerProcess) -> Api:
    return api_for(backend_server)


def test_multipart_bodies_work_like_form_encoded_ones(
    client: Api, backend_server: ServerProcess, conversation: str
) -> None:
    """Repeated keys keep their order (``Filters``), UTF-8 text survives, nested names work."""
    filters = ["onMessageAdded", "onConversationAdded", "onParticipantAdded"]
    body = multipart(
        *(part("Filters", name) for name in filters),
        part("PostWebhookUrl", "https://example.com/post"),
        part("Method", "POST"),
    )
    reply = post(backend_server, "/v1/Configuration/Webhooks", body)
    assert reply.status == 200, reply.body[:300]
    assert client.ok("GET", "/v1/Configuration/Webhooks")["filters"] == filters

    body = multipart(part("Author", "zoë"), part("Body", "héllo ✓ — multipart"))
    reply = post(backend_server, f"/v1/Conversations/{conversation}/Messages", body)
    assert reply.status == 201, reply.body[:300]
    message = reply.json()
    assert (message["author"], message["body"]) == ("zoë", "héllo ✓ — multipart")

    body = multipart(
        part("Target", "webhook"),
        part("Configuration.Url", "https://example.com/scoped"),
        part("Configuration.Filters", "onMessageAdded"),
        part("Configuration.Filters", "onMessageUpdated"),
    )
    reply = post(backend_server, f"/v1/Conversations/{conversation}/Webhooks", body)
    assert reply.status == 201, reply.body[:300]
    configuration = reply.json()["configuration"]
    assert configuration["filters"] == ["onMessageAdded", "onMessageUpdated"]
    assert_still_up(backend_server, conversation)


def test_form_encoded_with_a_charset_is_accepted(
    backend_server: ServerProcess, conversation: str
) -> None:
    for content_type in (
        "application/x-www-form-urlencoded; charset=utf-8",
        "application/x-www-form-urlencoded;charset=UTF-8",
    ):
        reply = post(backend_server, "/v1/Conversations", b"FriendlyName=charset", content_type)
        assert reply.status == 201, reply.body[:300]


def test_unknown_parameters_are_refused_in_multipart_too(
    backend_server: ServerProcess, conversation: str
) -> None:
    reply = post(backend_server, "/v1/Conversations", multipart(part("NoSuchThing", "x")))
    assert_clear_4xx(reply, 400)
    assert "NoSuchThing" in reply.json()["message"]


MANY = 10_000

MALFORMED = {
    "no boundary": (
        "multipart/form-data",
        multipart(part("FriendlyName", "x")),
        "boundary",
    ),
    "truncated part": (
        MULTIPART,
        multipart(part("FriendlyName", "cut short"))[:-30],
        "closing boundary",
    ),
    "cut before the closing boundary": (
        MULTIPART,
        part("FriendlyName", "no end"),
        "closing boundary",
    ),
    "a file part": (
        MULTIPART,
        multipart(part("FriendlyName", "x", '; filename="evil.txt"')),
        "file",
    ),
    f"{MANY} parts": (
        MULTIPART,
        multipart(*(part(f"Key{i}", "v") for i in range(MANY))),
        "too many fields",
    ),
    "invalid UTF-8 in a part": (
        MULTIPART,
        multipart(part("FriendlyName", b"caf\xc3\x28")),
        "UTF-8",
    ),
    "a part with no name": (
        MULTIPART,
        multipart(b"--" + BOUNDARY.encode() + b"\r\nContent-Disposition: form-data\r\n\r\nx\r\n"),
        "name",
    ),
    "no multipart at all": (MULTIPART, b"FriendlyName=x", "multipart"),
    "a NUL in a part": (MULTIPART, multipart(part("FriendlyName", "a\x00b")), "NUL"),
}


@pytest.mark.parametrize("case", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("path", ["/v1/Conversations", "/v1/Configuration/Webhooks"])
def test_malformed_multipart_is_a_400(
    backend_server: ServerProcess, conversation: str, case: tuple[str, bytes, str], path: str
) -> None:
    content_type, body, why = case
    reply = post(backend_server, path, body, content_type)
    assert_clear_4xx(reply, 400)
    assert why.lower() in reply.json()["message"].lower()
    assert_still_up(backend_server, conversation)


def test_a_part_over_the_size_limit_is_refused_like_an_oversized_body(
    backend_server: ServerProcess, conversation: str
) -> None:
    """One part larger than the 1 MiB body limit: 413 with Twilio's error JSON, as for a
    form-encoded body of that size (the limit is the same for both encodings)."""
    body = multipart(part("FriendlyName", b"x" * (2 * MIB)))
    reply = post(backend_server, "/v1/Conversations", body)
    assert_clear_4xx(reply, 413)
    chunks = iter([multipart(part("FriendlyName", b"x" * (2 * MIB)))])
    headers = {"Content-Type": MULTIPART, "Transfer-Encoding": "chunked"}
    reply = raw_request(backend_server, "POST", "/v1/Conversations", headers, chunks)
    assert_clear_4xx(reply, 413)
    assert_still_up(backend_server, conversation)
