"""Secrets kept out of what hookline prints: credentials embedded in URLs."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

MASK = "***"


def mask_url(url: str | None) -> str:
    """``url`` with any ``user:password@`` replaced by ``***:***@`` (``***@`` for a user
    alone), for logs and banners; the rest is kept as given. A URL that cannot be parsed
    is masked up to its last ``@`` rather than risk printing a secret."""
    if not url:
        return url or ""
    try:
        parts = urlsplit(url)
    except ValueError:
        head, at, tail = url.rpartition("@")
        if not at:
            return url
        scheme, sep, _ = head.partition("://")
        return f"{scheme}{sep}{MASK}@{tail}" if sep else f"{MASK}@{tail}"
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url
    masked = f"{MASK}:{MASK}" if ":" in userinfo else MASK
    return urlunsplit(parts._replace(netloc=f"{masked}@{host}"))
