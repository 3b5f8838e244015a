from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hookline.delivery.headers import encode_form, url_with_query, webhook_headers


def test_post_headers_are_twilios() -> None:
    assert webhook_headers("sig==", "token-1", "application/x-www-form-urlencoded") == [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("X-Twilio-Signature", "sig=="),
        ("I-Twilio-Idempotency-Token", "token-1"),
        ("User-Agent", "TwilioProxy/1.1"),
        ("Accept", "*/*"),
        ("Accept-Encoding", "gzip"),
    ]


def test_get_headers_have_no_content_type() -> None:
    names = [name for name, _ in webhook_headers("sig", "tok", None)]
    assert "Content-Type" not in names
    assert names[:2] == ["X-Twilio-Signature", "I-Twilio-Idempotency-Token"]


PARAMS = {
    "EventType": "onMessageAdded",
    "Body": "héllo & goodbye = 1+1 ✓",
    "Attributes": '{"k": "v"}',
    "MessagingBinding.Address": "+15551234567",
    "Empty": "",
}


def test_encode_form_keeps_order_and_round_trips_unicode() -> None:
    body = encode_form(PARAMS)
    assert body.isascii()
    assert body.startswith(b"EventType=onMessageAdded&Body=h%C3%A9llo+%26+goodbye+%3D+1%2B1")
    assert dict(parse_qsl(body.decode(), keep_blank_values=True)) == PARAMS
    assert [k for k, _ in parse_qsl(body.decode(), keep_blank_values=True)] == list(PARAMS)


def test_encode_form_of_nothing_is_empty() -> None:
    assert encode_form({}) == b""


@pytest.mark.parametrize(
    ("url", "expected_prefix"),
    [
        ("https://h/p", "https://h/p?"),
        ("https://h/p?x=1", "https://h/p?x=1&"),
        ("https://h/p?", "https://h/p?"),
        ("https://h/p?x=1&", "https://h/p?x=1&"),
    ],
)
def test_url_with_query_appends_to_any_existing_query(url: str, expected_prefix: str) -> None:
    result = url_with_query(url, {"A": "1", "B": "two words"})
    assert result == expected_prefix + "A=1&B=two+words"


def test_url_with_query_round_trips_params_and_keeps_existing_ones() -> None:
    result = url_with_query("https://h/p?tenant=7", PARAMS)
    pairs = parse_qsl(urlsplit(result).query, keep_blank_values=True)
    assert pairs[0] == ("tenant", "7")
    assert dict(pairs[1:]) == PARAMS


def test_url_with_query_puts_params_before_a_fragment() -> None:
    assert url_with_query("https://h/p?x=1#rc=2", {"A": "1"}) == "https://h/p?x=1&A=1#rc=2"


def test_url_with_query_without_params_is_unchanged() -> None:
    assert url_with_query("https://h/p?x=1", {}) == "https://h/p?x=1"


@given(
    st.dictionaries(
        st.text(max_size=12), st.one_of(st.text(max_size=40), st.integers()), max_size=6
    )
)
def test_form_encoding_is_urlencodes_byte_for_byte(params: dict[str, object]) -> None:
    expected = urlencode(list(params.items()), encoding="utf-8").encode("ascii")
    assert encode_form(params) == expected  # type: ignore[arg-type]


def test_form_encoding_escapes_what_quote_plus_escapes() -> None:
    params = {"A b": "x+y/z?&=%~_.-", "É": "\u2713\n\x00"}
    assert encode_form(params) == urlencode(list(params.items())).encode()
    assert encode_form(params).startswith(b"A+b=x%2By%2Fz%3F%26%3D%25~_.-&")
