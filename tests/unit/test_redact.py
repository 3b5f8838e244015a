from __future__ import annotations

import pytest

from hookline.redact import mask_url


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("http://user:pass@host:8080/p?q=1#rc=2", "http://***:***@host:8080/p?q=1#rc=2"),
        ("https://token@hooks.example.com/x", "https://***@hooks.example.com/x"),
        ("http://u:p%40ss@h/a@b", "http://***:***@h/a@b"),
        ("postgresql://app:s3cret@db:5432/hookline", "postgresql://***:***@db:5432/hookline"),
        ("https://example.com/hook", "https://example.com/hook"),
        ("http://[::1", "http://[::1"),
        ("http://a:b@[::1/x", "http://***@[::1/x"),
        ("", ""),
        (None, ""),
    ],
)
def test_credentials_in_urls_are_masked(url: str | None, masked: str) -> None:
    assert mask_url(url) == masked
