"""Check every response hookline sends against Twilio's OpenAPI contract.

Success responses are validated with ``openapi-core`` against
``../shared/twilio-oai/twilio_conversations_v1.json``; error responses (which the spec
does not describe) must be Twilio's error JSON: ``code``, ``message``, ``more_info``,
``status``. :func:`install_validation` wraps an SDK client's HTTP client so every call
made through the official ``twilio`` SDK is checked; failures are collected, not raised,
so the SDK behaves as it would against Twilio and the test asserts on them at the end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SPEC_PATH = (
    Path(__file__).resolve().parents[3] / "shared" / "twilio-oai" / ("twilio_conversations_v1.json")
)
TWILIO_ORIGIN = "https://conversations.twilio.com"


@cache
def contract() -> OpenAPI:
    return OpenAPI.from_dict(json.loads(SPEC_PATH.read_text()))


@dataclass(frozen=True)
class Violation:
    method: str
    url: str
    status: int
    problem: str

    def __str__(self) -> str:
        return f"{self.method} {self.url} -> {self.status}: {self.problem}"


def error_json_problem(body: str, status: int) -> str | None:
    """What is wrong with ``body`` as Twilio's error JSON, or None."""
    try:
        document = json.loads(body)
    except ValueError:
        return f"error body is not JSON: {body[:200]!r}"
    if not isinstance(document, dict):
        return "error body is not a JSON object"
    missing = {"code", "message", "more_info", "status"} - document.keys()
    if missing:
        return f"error JSON lacks {sorted(missing)}"
    if document["status"] != status:
        return f"error JSON status {document['status']} != HTTP {status}"
    if not isinstance(document["code"], int) or not isinstance(document["message"], str):
        return "error JSON code/message have the wrong types"
    return None


def check(method: str, url: str, status: int, body: str, content_type: str) -> str | None:
    """Validate one exchange; ``url`` uses Twilio's origin. Returns the problem or None."""
    if status >= 400:
        return error_json_problem(body, status)
    if status == 204:
        return None if not body else "204 with a body"
    parts = urlsplit(url)
    request = MockRequest(
        TWILIO_ORIGIN, method.lower(), parts.path, args=dict(parse_qsl(parts.query))
    )
    response = MockResponse(body.encode(), status_code=status, content_type=content_type)
    try:
        contract().validate_response(request, response)
    except Exception as exc:  # openapi-core raises a family of errors; any is a violation
        details = "; ".join(str(e) for e in getattr(exc, "schema_errors", ()) or ())
        return f"{type(exc).__name__}: {exc} {details}".strip()
    return None


@dataclass
class ContractChecker:
    failures: list[Violation] = field(default_factory=list)
    checked: int = 0

    def record(self, method: str, url: str, response: Any) -> None:
        self.checked += 1
        content_type = response.headers.get("Content-Type", "application/json").split(";")[0]
        problem = check(method, url, response.status_code, response.text, content_type)
        if problem:
            self.failures.append(Violation(method, url, response.status_code, problem))


def install_validation(client: Any) -> ContractChecker:
    """Check every response the SDK ``client`` receives; returns the collecting checker."""
    checker = ContractChecker()
    http_client = client.http_client
    original = http_client.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = original(method, url, *args, **kwargs)
        if urlsplit(url).hostname == "conversations.twilio.com":
            query = kwargs.get("params") or (args[0] if args else None) or {}
            full = url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
            checker.record(method, full, response)
        return response

    http_client.request = request
    return checker
