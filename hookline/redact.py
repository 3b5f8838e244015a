"""Keep secrets out of what hookline prints and logs."""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
#: Query parameters that carry a password (libpq accepts ``?password=``).
SECRET_QUERY_KEYS = frozenset({"password", "pass", "passwd"})
#: ``scheme://user:password@``, for URLs too malformed for ``urlsplit``.
_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://[^/?#@:]*):[^/?#]*@", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def redact_url(url: str) -> str:
    """``url`` with any password masked: ``postgresql://user:***@host/db``.

    Everything else is kept, so the result still says which database or receiver it is.
    Kept per URL: a log line per pre-event call asks for the same few URLs again and again.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(rf"\1:{MASK}@", url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    netloc = parts.netloc
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:{MASK}@{hostport}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(key.lower() in SECRET_QUERY_KEYS for key, _ in pairs):
        masked = [
            (key, MASK if key.lower() in SECRET_QUERY_KEYS else value) for key, value in pairs
        ]
        query = urlencode(masked, safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
