"""What a Twilio webhook request looks like on the wire: headers and parameter encoding.

Headers (docs/webhook-events.md §6): ``X-Twilio-Signature`` [doc], ``I-Twilio-Idempotency-Token``,
``User-Agent: TwilioProxy/1.1``, ``Accept: */*`` and ``Accept-Encoding: gzip`` [observed in
captured Twilio requests]. ``Content-Type`` is ``application/x-www-form-urlencoded`` with no
charset: that is what Conversations documents, and captured form requests show no charset
(the ``; charset=utf-8`` seen in captures belongs to Twilio's JSON webhooks). The body is
UTF-8 all the same. ``X-Home-Region`` is not sent (no source for it).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from hookline.delivery.signature import SIGNATURE_HEADER

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
USER_AGENT = "TwilioProxy/1.1"


def webhook_headers(
    signature: str, idempotency_token: str, content_type: str | None
) -> list[tuple[str, str]]:
    """The request headers Twilio sends; ``content_type`` is None for GET (no body)."""
    headers = [
        (SIGNATURE_HEADER, signature),
        (IDEMPOTENCY_HEADER, idempotency_token),
        ("User-Agent", USER_AGENT),
        ("Accept", "*/*"),
        ("Accept-Encoding", "gzip"),
    ]
    if content_type is not None:
        headers.insert(0, ("Content-Type", content_type))
    return headers


def encode_form(params: Mapping[str, str]) -> bytes:
    """``application/x-www-form-urlencoded`` UTF-8 body, in the parameters' own order."""
    return urlencode(list(params.items()), encoding="utf-8").encode("ascii")


def url_with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` appended to its query string (kept before any fragment)."""
    if not params:
        return url
    base, hash_mark, fragment = url.partition("#")
    query = urlencode(list(params.items()), encoding="utf-8")
    if "?" not in base:
        joined = f"{base}?{query}"
    elif base.endswith(("?", "&")):
        joined = base + query
    else:
        joined = f"{base}&{query}"
    return joined + hash_mark + fragment
