"""The shared parameter checks: webhook URLs and Attributes JSON (issue 9 defects)."""

from __future__ import annotations

import pytest

from hookline.domain.validation import MAX_JSON_DIGITS, attributes, http_url
from hookline.exceptions import InvalidParameter

MALFORMED_URLS = [
    "http://[::1",
    "http://[zz]/",
    "http://example.com:99999/",
    "http://example.com:65536/",
    "http://example.com:-1/",
    "http://example.com:0/",
    "http://example.com:x/",
    "ftp://x",
    "http://",
    "https:///path",
    "//example.com/x",
    "example.com",
    "http://exa mple.com/",
    "http://example.com/a\nb",
    "http://example.com/\x7f",
    "http://exa$mple.com/",
    "http://-/",
    "http://a..b\udcff/",
]


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_malformed_urls_are_invalid_parameters_with_the_callers_code(url: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        http_url(url, "Configuration.Url", code=50369)
    assert caught.value.code == 50369
    assert caught.value.message.startswith("Configuration.Url must be an absolute http")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "https://example.com:1/",
        "https://example.com:65535/a?b=c#d",
        "HTTPS://Example.COM/",
        "http://user:secret@127.0.0.1:8080/hook",
        "http://[::1]:9/x",
        "http://[2001:db8::1]/",
        "http://my_host.internal/",
        "http://bücher.de/",
    ],
)
def test_well_formed_urls_pass_unchanged(url: str) -> None:
    assert http_url(url, "Url") == url


def test_empty_clears() -> None:
    assert http_url(None, "Url") is None and http_url("", "Url") is None


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "-Infinity", '{"a": [NaN]}', '{"a": {"b": -Infinity}}']
)
def test_non_json_constants_are_refused(value: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        attributes(value)
    assert caught.value.code == 50001
    assert "is not a JSON value" in caught.value.message


def test_an_overlong_integer_is_a_clear_400_not_pythons_message() -> None:
    assert attributes("9" * MAX_JSON_DIGITS) == "9" * MAX_JSON_DIGITS
    for value in ("9" * 5000, "-" + "9" * 5000, "[" + "1" * 5000 + "]"):
        with pytest.raises(InvalidParameter) as caught:
            attributes(value)
        assert caught.value.code == 50001
        assert caught.value.message == (
            f"Attributes must be valid JSON: numbers may have at most {MAX_JSON_DIGITS} digits"
        )


def test_syntax_errors_say_where() -> None:
    with pytest.raises(InvalidParameter) as caught:
        attributes('{"a": }', "Participant attributes")
    assert caught.value.code == 50001
    assert caught.value.message.startswith("Participant attributes must be valid JSON: ")
    assert "line 1 column 7" in caught.value.message


@pytest.mark.parametrize("value", ["{}", '{"a": 1.5e300}', "[]", '"s"', "null", "1e999"])
def test_strict_json_passes(value: str) -> None:
    assert attributes(value) == value
