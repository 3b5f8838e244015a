from __future__ import annotations

import pytest

from hookline.redact import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://hookline:s3cret@db:5432/hookline", "postgresql://hookline:***@db:5432/hookline"),
        ("postgresql://u:p%40ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:@h/db", "postgresql://u:***@h/db"),
        ("postgresql://h/db?user=u&password=pw&sslmode=require", "postgresql://h/db?user=u&password=***&sslmode=require"),
        ("https://user:token@hooks.example.com/post?a=1", "https://user:***@hooks.example.com/post?a=1"),
        ("http://u:pw@[::1/broken", "http://u:***@[::1/broken"),
    ],
)  # fmt: skip
def test_passwords_are_masked(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///hookline.db",
        "sqlite:////tmp/a b.db",
        "postgresql://hookline@db/hookline",
        "postgresql:///hookline",
        "https://hooks.example.com/post?token=x",
    ],
)
def test_urls_without_a_password_are_unchanged(url: str) -> None:
    assert redact_url(url) == url
