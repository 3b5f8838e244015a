"""The official ``twilio`` SDK, pointed at a hookline server.

    import hookline
    client = hookline.client("http://127.0.0.1:8080", account_sid, auth_token)
    client.conversations.v1.conversations.create(friendly_name="demo")

The SDK hard-codes ``https://conversations.twilio.com``; :class:`HooklineHttpClient`
rewrites that origin (any ``*.twilio.com`` origin, in fact) to the server's base URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client


class HooklineHttpClient(TwilioHttpClient):  # type: ignore[misc]
    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(base_url.rstrip("/"))
        self._scheme, self._netloc, self._path = parts.scheme, parts.netloc, parts.path

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        if not (parts.hostname or "").endswith("twilio.com"):
            return url
        return urlunsplit(
            (self._scheme, self._netloc, self._path + parts.path, parts.query, parts.fragment)
        )

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        return super().request(method, self.rewrite(url), *args, **kwargs)


def client(base_url: str, account_sid: str, auth_token: str, **kwargs: Any) -> Client:
    """A ready ``twilio.rest.Client`` whose requests go to hookline at ``base_url``."""
    return Client(account_sid, auth_token, http_client=HooklineHttpClient(base_url, **kwargs))
