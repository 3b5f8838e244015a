from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from hookline.delivery.headers import url_with_query
from hookline.delivery.signature import sign, signing_payload, strip_fragment, wire_url

TOKEN = "12345abcdef"

PARAMS = {
    "EventType": "onMessageAdded",
    "ConversationSid": "CH00000000000000000000000000000001",
    "Body": "héllo wörld ✓ 日本語 🎉",
    "Author": "alice",
    "Attributes": '{"a": [1, 2], "b": "x&y=z"}',
    "MessagingBinding.Address": "+15551234567",
    "a": "lower-case sorts after upper-case",
    "Z": "",
}

URLS = [
    "https://example.com/hook",
    "https://example.com:8443/hook",
    "http://127.0.0.1:5000/post",
    "http://localhost:80/post",
    "https://example.com/hook?tenant=7&mode=a%20b",
    "http://[::1]:8080/v6",
]


@pytest.mark.parametrize("url", URLS)
def test_post_signature_is_accepted_by_twilio_validator(url: str) -> None:
    signature = sign(url, PARAMS, TOKEN)
    assert RequestValidator(TOKEN).validate(url, PARAMS, signature)


@pytest.mark.parametrize("url", URLS)
def test_get_signature_over_url_with_query_is_accepted(url: str) -> None:
    sent = url_with_query(url, PARAMS)
    signature = sign(sent, None, TOKEN)
    assert RequestValidator(TOKEN).validate(sent, {}, signature)


def test_signature_equals_validators_own_computation() -> None:
    url = "https://example.com:8443/hook?x=1"
    assert sign(url, PARAMS, TOKEN) == RequestValidator(TOKEN).compute_signature(url, PARAMS)


def test_wrong_token_param_or_url_is_rejected() -> None:
    url = "https://example.com/hook"
    signature = sign(url, PARAMS, TOKEN)
    validator = RequestValidator(TOKEN)
    assert not RequestValidator("other-token").validate(url, PARAMS, signature)
    assert not validator.validate(url, {**PARAMS, "Body": "tampered"}, signature)
    assert not validator.validate(url + "/x", PARAMS, signature)
    assert not validator.validate(url, {**PARAMS, "Extra": "1"}, signature)


def test_payload_is_url_then_names_and_values_in_code_point_order() -> None:
    payload = signing_payload("https://h/p", {"b": "2", "B": "3", "a": "1", "A.b": "4"})
    assert payload == "https://h/pA.b4B3a1b2"


def test_empty_or_missing_params_sign_the_url_alone() -> None:
    url = "https://example.com/hook?x=1"
    assert sign(url, None, TOKEN) == sign(url, {}, TOKEN)
    assert RequestValidator(TOKEN).validate(url, {}, sign(url, None, TOKEN))


def test_fragment_is_never_part_of_the_signed_url() -> None:
    url = "https://example.com:8443/hook?x=1"
    signature = sign(url + "#ct=1000&rc=3&rp=ct,5xx", PARAMS, TOKEN)
    assert signature == sign(url, PARAMS, TOKEN)
    assert RequestValidator(TOKEN).validate(url, PARAMS, signature)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h/p#rc=1", "https://h/p"),
        ("https://h/p?#rc=1", "https://h/p?"),
        ("https://h/p?a=%7e#x#y", "https://h/p?a=%7e"),
        ("https://h/p", "https://h/p"),
        ("https://h/p#", "https://h/p"),
    ],
)
def test_strip_fragment_changes_nothing_else(url: str, expected: str) -> None:
    assert strip_fragment(url) == expected


def test_wire_url_leaves_ascii_urls_exactly_alone() -> None:
    url = "https://Example.com:443/a%7eb/?q=%2F&r=1"
    assert wire_url(url) == url


def test_wire_url_encodes_non_ascii_and_the_encoded_form_validates() -> None:
    url = "https://exämple.com/päth?q=ü v"
    sent = wire_url(url)
    assert sent.isascii()
    assert sent.startswith("https://xn--exmple-cua.com/p%C3%A4th?q=%C3%BC")
    assert RequestValidator(TOKEN).validate(sent, PARAMS, sign(sent, PARAMS, TOKEN))
