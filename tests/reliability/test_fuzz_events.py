"""Property-based fuzzing of every Events v1 (Event Streams) operation with schemathesis,
over Twilio's ``twilio_events_v1.json``, against the real server on loopback: never a 5xx;
a 2xx conforms to the spec (openapi-core and schemathesis), anything else is Twilio's
error JSON. Half the cases with path parameters address real sinks, subscriptions, types
and schemas, so the handlers behind the lookups are reached. Sinks the test itself makes
point at a loopback receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.reliability.conftest import Api, api_for
from tests.reliability.test_fuzz import exchange
from tests.support.openapi import EVENTS_HOST, EVENTS_SPEC_PATH
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, start_server

MAX_EXAMPLES = 20
MESSAGE_ADDED = "com.twilio.conversations.message.added"
OPERATIONS: list[tuple[str, str]] = [
    (method.upper(), path)
    for path, item in json.loads(EVENTS_SPEC_PATH.read_text())["paths"].items()
    for method in item
    if method in ("get", "post", "delete")
]


@pytest.fixture(scope="module")
def schema() -> Any:
    return schemathesis.openapi.from_dict(json.loads(EVENTS_SPEC_PATH.read_text()))


@dataclass
class World:
    server: ServerProcess
    api: Api
    receiver: Receiver
    sink: str = ""
    subscription: str = ""
    failures: list[str] = field(default_factory=list)

    def new_sink(self) -> str:
        config = json.dumps({"destination": self.receiver.url("/sink"), "method": "POST"})
        form = {"Description": "fuzz", "SinkType": "webhook", "SinkConfiguration": config}
        return str(self.api.ok("POST", "/v1/Sinks", form)["sid"])

    def new_subscription(self) -> str:
        types = [
            json.dumps({"type": MESSAGE_ADDED, "schema_version": 1}),
            json.dumps({"type": "com.twilio.conversations.message.updated"}),
        ]
        form = {"Description": "fuzz", "SinkSid": self.sink, "Types": types}
        return str(self.api.ok("POST", "/v1/Subscriptions", form)["sid"])

    def real_path_parameters(self, method: str, path: str) -> dict[str, str]:
        fresh = method == "DELETE"
        values: dict[str, str] = {}
        if path.startswith("/v1/Sinks/"):
            values["Sid"] = self.new_sink() if fresh else self.sink
        elif path.startswith("/v1/Subscriptions/{Sid}"):
            values["Sid"] = self.new_subscription() if fresh else self.subscription
        elif path.startswith("/v1/Subscriptions/{SubscriptionSid}"):
            subscription = self.new_subscription() if fresh else self.subscription
            values["SubscriptionSid"] = subscription
            values["Type"] = MESSAGE_ADDED
        elif path.startswith("/v1/Types/"):
            values["Type"] = MESSAGE_ADDED
        elif path.startswith("/v1/Schemas/"):
            values["Id"], values["SchemaVersion"] = "Conversations.MessageAdded", "1"
        return values


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    receiver = Receiver()
    server = start_server(tmp_path_factory.mktemp("fuzz-events"))
    try:
        w = World(server, api_for(server), receiver)
        w.sink = w.new_sink()
        w.subscription = w.new_subscription()
        yield w
    finally:
        server.stop()
        receiver.close()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz_events(
    schema: Any, world: World, method: str, path: str, mode: GenerationMode
) -> None:
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
        if real and has_path_parameters:
            case.path_parameters = (case.path_parameters or {}) | world.real_path_parameters(
                method, path
            )
        try:
            problems.extend(exchange(case, world, statuses, EVENTS_HOST))
        except requests.RequestException as exc:
            problems.append(f"{case.method} {case.formatted_path}: no answer: {exc!r}")

    run()
    assert world.server.process.poll() is None, "the server died:\n" + world.server.log()[-3000:]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:10])
    if has_path_parameters:
        assert any(status != 404 for status in statuses), f"only 404s: {statuses}"
