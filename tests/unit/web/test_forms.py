"""Twilio's two body encodings, parsed into the same :class:`Form`."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from hookline.exceptions import InvalidParameter
from hookline.web.forms import MAX_FIELDS, read_form

BOUNDARY = "b0undary"


def request(content_type: str, body: bytes) -> Request:
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    headers = [(b"content-type", content_type.encode()), (b"content-length", b"%d" % len(body))]
    return Request({"type": "http", "method": "POST", "headers": headers}, receive)


def part(name: str, value: bytes, extra: str = "") -> bytes:
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n\r\n'
    return head.encode() + value + b"\r\n"


def multipart(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


async def test_both_encodings_give_the_same_form() -> None:
    encoded = b"Filters=onMessageAdded&Url=https%3A%2F%2Fx&Filters=onConversationAdded&B=caf%C3%A9"
    body = multipart(
        part("Filters", b"onMessageAdded"),
        part("Url", b"https://x"),
        part("Filters", b"onConversationAdded"),
        part("B", "café".encode()),
    )
    for form in (
        await read_form(request("application/x-www-form-urlencoded; charset=utf-8", encoded)),
        await read_form(request(MULTIPART, body)),
    ):
        assert form.getlist("Filters") == ["onMessageAdded", "onConversationAdded"]
        assert (form.get("Url"), form.get("B")) == ("https://x", "café")


@pytest.mark.parametrize(
    ("content_type", "body", "why"),
    [
        ("multipart/form-data", multipart(part("A", b"x")), "boundary"),
        (MULTIPART, multipart(part("A", b"x"))[:-12], "closing boundary"),
        (MULTIPART, part("A", b"x"), "closing boundary"),
        (MULTIPART, multipart(part("A", b"x", '; filename="f.txt"')), "file"),
        (MULTIPART, multipart(*(part(f"K{i}", b"v") for i in range(MAX_FIELDS + 1))), "fields"),
        (MULTIPART, multipart(part("A", b"\xff")), "UTF-8"),
        (MULTIPART, multipart(part("A", b"a\x00b")), "NUL"),
        (MULTIPART, b"not multipart", "multipart"),
        ("text/plain", b"A=1", "Content-Type"),
    ],
)
async def test_broken_bodies_are_a_400(content_type: str, body: bytes, why: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        await read_form(request(content_type, body))
    assert caught.value.status == 400
    assert why.lower() in caught.value.message.lower()


async def test_an_oversized_multipart_body_is_a_413() -> None:
    body = multipart(part("A", b"x" * (2 * 1024 * 1024)))
    with pytest.raises(InvalidParameter) as caught:
        await read_form(request(MULTIPART, body))
    assert caught.value.status == 413
