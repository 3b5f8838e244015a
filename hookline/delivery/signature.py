"""Twilio's ``X-Twilio-Signature`` (docs/webhook-events.md §6.1), computed over the exact URL sent.

``sign`` matches ``twilio.request_validator.RequestValidator.compute_signature``: the URL,
then for a form POST each parameter as ``name + value`` in ascending name order, HMAC-SHA1
keyed with the Auth Token, base64. For GET the parameters are already in the URL's query
string, so ``params`` is ``None``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Mapping

from yarl import URL

SIGNATURE_HEADER = "X-Twilio-Signature"


def strip_fragment(url: str) -> str:
    """The URL without its ``#…`` fragment, otherwise character for character unchanged."""
    # Not urlsplit/urlunsplit: re-assembling can drop an empty "?" or re-case parts, and
    # the receiver's validator must see the very string that was signed.
    return url.split("#", 1)[0]


def wire_url(url: str) -> str:
    """The URL as it goes on the wire: unchanged when already plain ASCII, else encoded."""
    if url.isascii() and url.isprintable() and " " not in url:
        # Left alone so the receiver rebuilds exactly the configured string.
        return url
    # A non-ASCII host or path must be IDNA/percent-encoded before sending; signing the
    # encoded form keeps signature and request line identical.
    return str(URL(url))


def signing_payload(url: str, params: Mapping[str, str] | None) -> str:
    """The string that is HMAC'd: the URL, then ``name + value`` pairs sorted by name."""
    text = strip_fragment(url)
    if params:
        # Python's sorted() on str is code-point order, as the official validator uses.
        for name in sorted(params):
            text += name + params[name]
    return text


@functools.lru_cache(maxsize=256)
def _keyed(auth_token: str) -> hmac.HMAC:
    """An HMAC already keyed with ``auth_token``: signing copies it instead of deriving the
    key pads again for every request (a few accounts sign every delivery)."""
    return hmac.new(auth_token.encode("utf-8"), digestmod=hashlib.sha1)


def sign(url: str, params: Mapping[str, str] | None, auth_token: str) -> str:
    """Base64 HMAC-SHA1 of :func:`signing_payload`, keyed with the Auth Token."""
    mac = _keyed(auth_token).copy()
    mac.update(signing_payload(url, params).encode("utf-8"))
    return base64.b64encode(mac.digest()).decode("ascii")
