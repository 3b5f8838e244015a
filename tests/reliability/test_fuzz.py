"""Property-based fuzzing of every implemented operation with schemathesis, over Twilio's
OpenAPI contract, against the real server on loopback.

For each operation, schemathesis generates requests from the spec (valid ones, and invalid
ones in the negative mode); each is sent once as generated and, for operations with path
parameters, half the time with the path pointing at real resources so the handlers behind
the 404 are reached too. Every response must be: not a 5xx; when 2xx, conforming to the
spec (checked with openapi-core, as the integration tests do, and with schemathesis's own
schema check); otherwise Twilio's error JSON. URL parameters are pinned to a loopback
receiver so no webhook ever leaves the machine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
)

from tests.reliability.conftest import Api, api_for
from tests.reliability.examples import build_examples, discover_missing, fresh
from tests.support.openapi import CONVERSATIONS_HOST, EVENTS_SPEC_PATH, SPEC_PATH, check
from tests.support.receiver import Receiver
from tests.support.routes import PARAM, kind_of, operations
from tests.support.server import ServerProcess, start_server

MAX_EXAMPLES = 20


def _shape(pattern: str) -> str:
    return PARAM.sub("{}", pattern)


def fuzzed_operations() -> list[tuple[str, str]]:
    """Every operation of Twilio's spec that the app's route table serves (parameter
    names aside: the spec's ``{ConversationSid}`` is a route's ``{Sid}``)."""
    served = {(op.method, _shape(op.pattern)) for op in operations()}
    paths = json.loads(SPEC_PATH.read_text())["paths"]
    return [
        (method.upper(), path)
        for path, item in paths.items()
        for method in item
        if (method.upper(), _shape(path)) in served
    ]


OPERATIONS = fuzzed_operations()

URL_FIELDS = ("PreWebhookUrl", "PostWebhookUrl", "Configuration.Url")


#: hookline's /v1 routes that neither spec has, and why.
BEYOND_THE_SPECS = {
    # The raw JSON Schema document a schema version's ``raw`` link points at.
    ("GET", "/v1/Schemas/{}/Versions/{}/Raw"),
}


def test_every_v1_route_is_fuzzed() -> None:
    """The list above is every /v1 route of the table in the Conversations spec, not a
    hand-made subset; the others are Events v1 (test_fuzz_events.py fuzzes its spec)."""
    fuzzed = {(method, _shape(path)) for method, path in OPERATIONS}
    events_paths = json.loads(EVENTS_SPEC_PATH.read_text())["paths"]
    events = {(m.upper(), _shape(path)) for path, item in events_paths.items() for m in item}
    routes = {(op.method, _shape(op.pattern)) for op in operations()}
    v1 = {route for route in routes if route[1].startswith("/v1/")}
    assert v1 - fuzzed - events == BEYOND_THE_SPECS, "routes in neither Twilio spec"
    assert fuzzed <= v1 and len(OPERATIONS) == len(fuzzed)


@pytest.fixture(scope="module")
def schema() -> Any:
    loaded = schemathesis.openapi.from_dict(json.loads(SPEC_PATH.read_text()))
    # The requests carry the account's Basic auth: a negative case that only drops or
    # garbles the Authorization header would be sent valid, so negative cases break the
    # parameters and bodies instead.
    loaded.config.generation.update(with_security_parameters=False)
    return loaded


@dataclass
class World:
    server: ServerProcess
    api: Api
    receiver: Receiver
    #: kind -> a resource of the account (``tests.reliability.examples``).
    examples: dict[str, str] = field(default_factory=dict)

    def real_path_parameters(self, method: str, path: str) -> dict[str, str]:
        """Values naming real resources for ``path``'s parameters (a new one for what a
        DELETE deletes, so the shared ones stay); {} when a kind has no example."""
        kinds = kind_of(path)
        if any(kind not in self.examples for kind in kinds):
            return {}
        values = fresh(self.api, path, self.examples) if method == "DELETE" else self.examples
        names = PARAM.findall(path)
        return {name: values[kind] for name, kind in zip(names, kinds, strict=True)}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    receiver = Receiver()
    server = start_server(tmp_path_factory.mktemp("fuzz"))
    try:
        api = api_for(server)
        examples = build_examples(api, receiver)
        discover_missing(api, examples, operations())
        yield World(server, api, receiver, examples)
    finally:
        server.stop()
        receiver.close()


def loopback_only(value: Any, receiver: Receiver) -> Any:
    """An http(s) URL keeps its path but goes to the loopback receiver; junk stays junk."""
    if not isinstance(value, str):
        return value
    try:
        parts = urlsplit(value.strip())
        if parts.scheme.lower() in ("http", "https") and (parts.netloc or parts.hostname):
            return urlunsplit(("http", receiver.base.removeprefix("http://"), parts.path, "", ""))
    except ValueError:
        return value
    return value


def sanitize(case: Any, receiver: Receiver) -> None:
    """Pin URLs to loopback (dates are generated over their whole range)."""
    if isinstance(case.body, dict):
        for name in URL_FIELDS:
            if name in case.body:
                value = case.body[name]
                if isinstance(value, list):
                    case.body[name] = [loopback_only(v, receiver) for v in value]
                else:
                    case.body[name] = loopback_only(value, receiver)


#: Values that reach the server empty (``Page=``): a generated empty object or list too.
EMPTY: tuple[Any, ...] = ("", {}, [])
#: The header hookline reads as Twilio does: "true" turns webhooks on, anything else not.
LENIENT_HEADERS = {"x-twilio-webhook-enabled"}


def query_valid_as_read(case: Any, sent_url: str) -> bool:
    """Whether a GET's query string, as sent (``sent_url``) and as hookline reads it, is
    valid by the spec: an empty value is not given, the last of a repeated name counts, an
    unknown name is ignored, the rest must meet their schema. Decided on the bytes sent,
    not on how they were generated: a mutation can land on a valid or an empty value, or
    an object serialised into other names."""
    schemas = {
        parameter["name"]: parameter.get("schema", {})
        for parameter in case.operation.definition.raw.get("parameters", [])
        if parameter.get("in") == "query"
    }
    sent = dict(parse_qsl(urlsplit(sent_url).query, keep_blank_values=True))
    document = case.operation.schema.raw_schema
    return all(
        meets(value, schemas[name], document)
        for name, value in sent.items()
        if value and name in schemas
    )


def meets(text: str, schema: dict[str, Any], document: dict[str, Any]) -> bool:
    """A query value (text on the wire) against its parameter schema (``$ref`` into the
    spec ``document``); False when unsure."""
    if "$ref" in schema:
        schema = resolve(schema["$ref"], document)
    if schema.get("type") == "integer":
        if not re.fullmatch(r"[0-9]+", text):
            return False
        number = int(text)
        return schema.get("minimum", number) <= number <= schema.get("maximum", number)
    if schema.get("type") == "string" and "enum" in schema:
        return text in schema["enum"]
    # A plain string takes any text; one with a format or pattern: not judged here.
    return schema.get("type") == "string" and set(schema) <= {"type", "description"}


def resolve(ref: str, document: dict[str, Any]) -> dict[str, Any]:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return dict(node)


def broken_parts(case: Any) -> set[str]:
    """Where the generator made ``case`` invalid: "query", "path", "header", "body"."""
    components = getattr(case.meta, "components", {}) or {}
    return {
        str(getattr(location, "value", location))
        for location, info in components.items()
        if info.mode == GenerationMode.NEGATIVE
    }


def query_only(case: Any, real_path: bool) -> bool:
    """Whether only the query (beside what :func:`lenient` forgives) was made invalid."""
    forgiven = {"header", "path"} if real_path else {"header"}
    return broken_parts(case) <= forgiven | {"query"}


def lenient(case: Any, real_path: bool) -> bool:
    """Whether a negative case is no longer invalid, or breaks only what hookline accepts
    on purpose (docs/twilio-behaviour.md): its path was replaced with real resources
    (``real_path``); an empty form or query value (the last, when repeated), read as not
    given; an unknown query parameter of a GET, ignored; a value of
    X-Twilio-Webhook-Enabled other than "true" (the spec's only header parameter,
    Authorization aside), read as false."""
    broken = broken_parts(case)
    forgiven = {"header", "path"} if real_path else {"header"}
    if broken and broken <= forgiven:
        return True
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    mutations = getattr(data, "mutations", ()) or ()
    if not mutations:
        return False
    for mutation in mutations:
        location = str(getattr(mutation.parameter_location, "value", ""))
        if location in forgiven:
            continue
        keywords = set(getattr(mutation, "keywords", ()) or ())
        if location == "query" and case.method == "GET" and keywords == {"additionalProperties"}:
            continue
        name = mutation.parameter or (mutation.path[0] if mutation.path else None)
        container = {"query": case.query, "body": case.body}
        values = container.get(location)
        value = values.get(name) if isinstance(values, dict) else None
        if isinstance(value, list) and value:
            value = value[-1]  # a repeated parameter: the last one counts
        if value not in EMPTY:
            return False
    return True


def exchange(
    case: Any,
    world: Any,
    statuses: list[int],
    host: str = CONVERSATIONS_HOST,
    *,
    negative: bool = False,
    real_path: bool = False,
) -> list[str]:
    """Send ``case`` to ``world.server``; the problems with the answer, checked against
    the spec of Twilio's ``host`` (Conversations, or Events: test_fuzz_events.py). A
    ``negative`` case answered 2xx is a problem unless :func:`lenient` excuses it."""
    response = case.call(
        base_url=world.server.base_url,
        auth=(world.server.account_sid, world.server.auth_token),
        timeout=15,
    )
    statuses.append(response.status_code)
    where = f"{case.method} {response.request.url} body={case.body!r}"[:600]
    problems: list[str] = []
    if response.status_code >= 500:
        problems.append(f"{where} -> {response.status_code} {response.text[:300]}")
    twilio_url = f"https://{host}" + response.request.url.removeprefix(world.server.base_url)
    headers = {name.lower(): value for name, value in response.headers.items()}
    content_type = headers.get("content-type", "")
    if isinstance(content_type, list):  # schemathesis keeps every value of a header
        content_type = content_type[0] if content_type else ""
    content_type = content_type.split(";")[0]
    problem = check(
        case.method, twilio_url, response.status_code, response.text, content_type, host
    )
    if problem:
        problems.append(f"{where} -> {response.status_code}: {problem}")
    if 200 <= response.status_code < 300:
        # Invalid input (negative mode) must be refused: a 2xx accepted it.
        checks = [not_a_server_error, response_schema_conformance]
        strict = negative and not lenient(case, real_path)
        if strict and case.method == "GET" and query_only(case, real_path):
            strict = not query_valid_as_read(case, response.request.url)
        checks += [negative_data_rejection] if strict else []
        try:
            case.validate_response(response, checks=checks)
        except Exception as exc:  # schemathesis raises a FailureGroup of check failures
            problems.append(f"{where} -> {response.status_code}: schemathesis: {exc}"[:1500])
    return problems


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz(schema: Any, world: World, method: str, path: str, mode: GenerationMode) -> None:
    operation = schema[path][method]
    strategy = operation.as_strategy(generation_mode=mode)
    problems: list[str] = []
    statuses: list[int] = []
    has_path_parameters = "{" in path

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, real=st.booleans())
    def run(case: Any, real: bool) -> None:
        sanitize(case, world.receiver)
        real_path = False
        if real and has_path_parameters:
            values = world.real_path_parameters(method, path)
            case.path_parameters = (case.path_parameters or {}) | values
            real_path = bool(values)
        try:
            negative = mode == GenerationMode.NEGATIVE
            problems.extend(exchange(case, world, statuses, negative=negative, real_path=real_path))
        except requests.RequestException as exc:
            problems.append(f"{case.method} {case.formatted_path}: no answer: {exc!r}")

    try:
        run()
    except Unsatisfiable:
        # Negative mode with nothing to make invalid (no parameters, no body).
        pytest.skip(f"{method} {path}: nothing in this operation can be made invalid")
    assert world.server.process.poll() is None, "the server died:\n" + world.server.log()[-3000:]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:10])
    print(f"{method} {path} {mode}: {sorted(statuses)}")
    if has_path_parameters:
        # Half the cases address real resources: the handler behind the lookup was reached.
        assert any(status != 404 for status in statuses), f"only 404s: {statuses}"
