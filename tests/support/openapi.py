"""Check every response hookline sends against Twilio's OpenAPI contract.

Success responses are validated with ``openapi-core`` against
``../shared/twilio-oai/twilio_conversations_v1.json`` (``events.twilio.com``: against
``twilio_events_v1.json``); error responses (which the spec
does not describe) must be Twilio's error JSON: ``code``, ``message``, ``more_info``,
``status``. :func:`install_validation` wraps an SDK client's HTTP client so every call
made through the official ``twilio`` SDK is checked; failures are collected, not raised,
so the SDK behaves as it would against Twilio and the test asserts on them at the end.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SPEC_NAME = Path("shared", "twilio-oai", "twilio_conversations_v1.json")
#: The first ``shared/twilio-oai`` beside the checkout or one of its parents (a git worktree
#: sits one level deeper than a plain clone).
SPEC_PATH = next(
    (
        parent / SPEC_NAME
        for parent in Path(__file__).resolve().parents[3:]
        if (parent / SPEC_NAME).is_file()
    ),
    Path(__file__).resolve().parents[3] / SPEC_NAME,
)
TWILIO_ORIGIN = "https://conversations.twilio.com"
CONVERSATIONS_HOST = "conversations.twilio.com"
#: Event Streams (Events v1): the same checks against its own spec.
EVENTS_HOST = "events.twilio.com"
EVENTS_SPEC_PATH = SPEC_PATH.with_name("twilio_events_v1.json")
SPEC_PATHS = {CONVERSATIONS_HOST: SPEC_PATH, EVENTS_HOST: EVENTS_SPEC_PATH}


@cache
def spec_document(host: str = CONVERSATIONS_HOST) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC_PATHS[host].read_text())
    return document


@cache
def contract(host: str = CONVERSATIONS_HOST) -> OpenAPI:
    return OpenAPI.from_dict(spec_document(host))


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


def check(
    method: str,
    url: str,
    status: int,
    body: str,
    content_type: str,
    host: str = CONVERSATIONS_HOST,
) -> str | None:
    """Validate one exchange; ``url`` uses Twilio's origin. Returns the problem or None."""
    if status >= 400:
        return error_json_problem(body, status)
    if status == 204:
        return None if not body else "204 with a body"
    parts = urlsplit(url)
    request = MockRequest(
        f"https://{host}", method.lower(), parts.path, args=dict(parse_qsl(parts.query))
    )
    response = MockResponse(body.encode(), status_code=status, content_type=content_type)
    try:
        contract(host).validate_response(request, response)
    except Exception as exc:  # openapi-core raises a family of errors; any is a violation
        details = "; ".join(str(e) for e in getattr(exc, "schema_errors", ()) or ())
        return f"{type(exc).__name__}: {exc} {details}".strip()
    missing = missing_properties(method, parts.path, status, json.loads(body), host)
    if missing:
        return f"documented properties missing from the body: {', '.join(missing)}"
    return None


@cache
def _path_patterns(host: str = CONVERSATIONS_HOST) -> list[tuple[re.Pattern[str], str]]:
    """Spec path templates as regexes, most literal segments first (``/Configuration/Webhooks``
    wins over a ``{Sid}`` that would also match)."""
    templates = spec_document(host)["paths"].keys()
    ranked = sorted(templates, key=lambda t: t.count("{"))
    return [(re.compile("^" + re.sub(r"\{[^}/]+\}", "[^/]+", t) + "$"), t) for t in ranked]


@cache
def _components() -> dict[str, Any]:
    """Every spec's component schemas (their names do not collide)."""
    found: dict[str, Any] = {}
    for host in SPEC_PATHS:
        found |= spec_document(host)["components"]["schemas"]
    return found


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = _components()[name]
    return schema


def response_schema(
    method: str, path: str, status: int, host: str = CONVERSATIONS_HOST
) -> dict[str, Any] | None:
    """The JSON schema the spec documents for this response, or None."""
    for pattern, template in _path_patterns(host):
        if pattern.match(path):
            operation = spec_document(host)["paths"][template].get(method.lower(), {})
            content = operation.get("responses", {}).get(str(status), {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            return _resolve(schema) if schema else None
    return None


def missing_properties(
    method: str, path: str, status: int, document: Any, host: str = CONVERSATIONS_HOST
) -> list[str]:
    """Every property the spec documents for the response that the body lacks, as dotted
    paths. The spec's schemas list ``properties`` without ``required``; Twilio sends them
    all (null when empty), so a missing one is a violation even where openapi-core is silent."""
    schema = response_schema(method, path, status, host)
    return [] if schema is None else _missing(schema, document, "")


def undocumented_properties(
    method: str, path: str, status: int, document: Any, host: str = CONVERSATIONS_HOST
) -> list[str]:
    """Every property of the body the spec does not document (objects whose schema lists
    no ``properties``, such as ``links`` or ``delivery``, are free-form and not looked into)."""
    schema = response_schema(method, path, status, host)
    return [] if schema is None else _undocumented(schema, document, "")


def _undocumented(schema: dict[str, Any], value: Any, where: str) -> list[str]:
    schema = _resolve(schema)
    if isinstance(value, list) and "items" in schema:
        return [
            problem
            for index, item in enumerate(value)
            for problem in _undocumented(schema["items"], item, f"{where}[{index}]")
        ]
    if not isinstance(value, dict) or "properties" not in schema:
        return []
    problems = []
    for name, child in value.items():
        dotted = f"{where}.{name}" if where else name
        if name in schema["properties"]:
            problems.extend(_undocumented(schema["properties"][name], child, dotted))
        else:
            problems.append(dotted)
    return problems


def _missing(schema: dict[str, Any], value: Any, where: str) -> list[str]:
    schema = _resolve(schema)
    if isinstance(value, list) and "items" in schema:
        return [
            problem
            for index, item in enumerate(value)
            for problem in _missing(schema["items"], item, f"{where}[{index}]")
        ]
    if not isinstance(value, dict):
        return []
    problems = []
    for name, child in schema.get("properties", {}).items():
        dotted = f"{where}.{name}" if where else name
        if name not in value:
            problems.append(dotted)
        else:
            problems.extend(_missing(child, value[name], dotted))
    return problems


@dataclass
class ContractChecker:
    failures: list[Violation] = field(default_factory=list)
    checked: int = 0
    #: Also fail on properties the spec does not document: the body is exactly the schema.
    exact: bool = False

    def record(self, method: str, url: str, response: Any) -> None:
        self.checked += 1
        content_type = response.headers.get("Content-Type", "application/json").split(";")[0]
        status = response.status_code
        host = urlsplit(url).hostname or CONVERSATIONS_HOST
        problem = check(method, url, status, response.text, content_type, host)
        if problem is None and self.exact and status < 300 and response.text:
            path = urlsplit(url).path
            body = json.loads(response.text)
            extra = undocumented_properties(method, path, status, body, host)
            problem = f"undocumented properties: {', '.join(extra)}" if extra else None
        if problem:
            self.failures.append(Violation(method, url, status, problem))


def install_validation(client: Any) -> ContractChecker:
    """Check every response the SDK ``client`` receives; returns the collecting checker."""
    checker = ContractChecker()
    http_client = client.http_client
    original = http_client.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = original(method, url, *args, **kwargs)
        if urlsplit(url).hostname in SPEC_PATHS:
            query = kwargs.get("params") or (args[0] if args else None) or {}
            full = url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
            checker.record(method, full, response)
        return response

    http_client.request = request
    return checker
