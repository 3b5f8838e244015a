"""Another account reaches none of account A's resources, through every operation of the
route table (so a route added later is covered without editing this file).

Account A owns one resource of every kind (conversation, message, participant, user,
user conversation, receipt, scoped webhook, role, address configuration, delivery,
service, Studio flow map, and any kind a newer route names that A can list or create).
Each operation's path is built from its pattern with A's examples (``routes.fill``).
Account B, with its Auth Token and with an API key, then calls every operation:

- a path holding a resource of A's answers 404 with code 20404 (B cannot tell it exists);
- a path holding none of A's (B's own collections, ``/_hookline`` writes such as reset,
  clock, faults, inbound) answers without a 5xx and shows nothing of A's;
- afterwards everything A can read (every GET of the table, as A) is exactly as before.

Wrong, missing and malformed credentials get 401 / 20003 on every operation.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.reliability.conftest import Api, Reply, api_for
from tests.reliability.examples import build_examples, discover_missing
from tests.support.receiver import Receiver
from tests.support.routes import CATALOG, Operation, fill, kind_of, operations
from tests.support.server import ServerProcess, start_server

WRONG_TOKEN = "f" * 32
#: Routes that answer without credentials (they hold no account data); any other route
#: answering an anonymous request is a finding.
PUBLIC = {
    "GET /_hookline/health",
    "GET /metrics",
    "GET /_hookline/ui/static/{name}",
    "GET /favicon.ico",
}
#: Kinds that are keys of B's own data, not resources of A: a Studio flow SID names a
#: flow in Twilio's Studio, and each account maps it to a URL of its own.
PER_ACCOUNT_KEYS = {
    "flows": "each account maps Studio flow SIDs to URLs of its own",
    **{kind: "an entry of Twilio's global Event Streams catalog" for kind in CATALOG},
}
#: A's reads that change by themselves (time) or are not data: left out of the snapshot.
VOLATILE = {"/_hookline/clock", "/_hookline/health", "/metrics", "/_hookline/ui", "/favicon.ico"}
#: Forms B sends, by the last literal segment of the path, so that a request is complete
#: and only ownership can refuse it.
FORMS: dict[str, dict[str, str]] = {
    "Messages": {"Body": "evil", "Author": "evil", "As": "evil"},
    "Participants": {"Identity": "evil", "As": "evil"},
    "Webhooks": {
        "Target": "webhook",
        "Configuration.Url": "http://127.0.0.1:9/evil",
        "Configuration.Filters": "onMessageAdded",
        "PostWebhookUrl": "http://127.0.0.1:9/evil",
    },
    "Users": {"Identity": "evil", "FriendlyName": "evil"},
    "Roles": {"FriendlyName": "evil", "Type": "conversation", "Permission": "sendMessage"},
    "Conversations": {"FriendlyName": "evil", "NotificationLevel": "muted", "As": "evil"},
    "Services": {"FriendlyName": "evil"},
    "Addresses": {"Type": "sms", "Address": "+15559990000", "FriendlyName": "evil"},
    "Receipts": {"ParticipantSid": "MB" + "0" * 32, "Status": "read"},
    "Configuration": {"DefaultClosedTimer": "PT1H", "FriendlyName": "evil"},
    "Resend": {},
    "Sinks": {"Description": "evil", "SinkType": "webhook"},
    "Validate": {"TestId": "evil"},
    "SubscribedEvents": {"Type": "com.twilio.conversations.message.added"},
    "Subscriptions": {"Description": "evil"},
}
#: Queries of lists that need one (A's chat participant is "alice").
QUERIES: dict[str, dict[str, str]] = {"ParticipantConversations": {"Identity": "alice"}}


@dataclass
class World:
    server: ServerProcess
    a: Api
    b: Api
    b_key: tuple[str, str]
    #: kind -> A's example of it (see ``routes.kind_of``).
    examples: dict[str, str]
    receiver: Receiver

    def a_sids(self) -> set[str]:
        return {
            value
            for kind, value in self.examples.items()
            if kind not in PER_ACCOUNT_KEYS and re.fullmatch(r"[A-Z]{2}[0-9a-f]{32}", value)
        }


def _cli(server: ServerProcess, *args: str) -> dict[str, str]:
    output = subprocess.run(
        [sys.executable, "-m", "hookline", *args, "--database-url", server.database_url],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return dict(re.findall(r"^(\w+)\s+(\S+)$", output, re.MULTILINE))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    server = start_server(tmp_path_factory.mktemp("cross"))
    receiver = Receiver(server.auth_token)
    try:
        other = _cli(server, "accounts", "create", "--friendly-name", "intruder")
        key = _cli(server, "accounts", "api-key", other["AccountSid"])
        a = api_for(server)
        b = Api(server.base_url, other["AccountSid"], other["AuthToken"])
        b.ok("POST", "/v1/Conversations", {"FriendlyName": "b-conv"})
        examples = build_examples(a, receiver)
        discover_missing(a, examples, operations())
        yield World(server, a, b, (key["ApiKeySid"], key["Secret"]), examples, receiver)
    finally:
        receiver.close()
        server.stop()


def a_paths(w: World) -> list[str]:
    """Every path A can read: each GET of the table, filled with A's examples."""
    paths = []
    for op in operations():
        if op.method != "GET" or str(op) in PUBLIC:
            continue
        path = fill(op.pattern, w.examples)
        if path not in VOLATILE:
            paths.append(path)
    return paths


def snapshot(w: World) -> dict[str, tuple[int, bytes]]:
    """Everything account A can see, as A sees it (lists at their largest page)."""
    seen = {}
    for path in a_paths(w):
        query = QUERIES.get(path.rsplit("/", 1)[-1], {})
        params = {"PageSize": "1000", **query} if "/v1/" in path else None
        reply = w.a.call("GET", path, params=params)
        seen[path] = (reply.status, reply.body)
    return seen


def holds_a_resource(op: Operation) -> bool:
    return any(kind not in PER_ACCOUNT_KEYS for kind in kind_of(op.pattern))


def test_every_operation_has_an_example_of_a_resource_of_a(world: World) -> None:
    """The list is complete: each operation's path can be filled with A's resources, and
    each GET of such a path works for A (the examples are real)."""
    missing = [
        f"{op}: no example of A's {kind}"
        for op in operations()
        for kind in kind_of(op.pattern)
        if kind not in world.examples
    ]
    assert not missing, "teach _build_examples these kinds:\n" + "\n".join(missing)
    broken = []
    for op in operations():
        if op.method == "GET" and kind_of(op.pattern) and str(op) not in PUBLIC:
            path = fill(op.pattern, world.examples)
            reply = call_as(world, op)
            if reply.status != 200:
                broken.append(f"{op} as A: {path} -> {reply.status} {reply.body[:120]!r}")
    assert not broken, "\n".join(broken)
    anonymous = {str(op) for op in operations() if _anonymous(world, op).status != 401}
    assert anonymous == PUBLIC


def _anonymous(w: World, op: Operation) -> Reply:
    return w.a.call(op.method, fill(op.pattern, w.examples), auth=None)


def _form(op: Operation) -> dict[str, str]:
    """What B sends: a plausible form for the operation (POST body, DELETE query)."""
    if op.method == "GET":
        return dict(QUERIES.get(op.pattern.rsplit("/", 1)[-1], {}))
    if op.method == "DELETE":
        return {"As": "evil"}  # the act routes' required parameter
    last = [segment for segment in op.pattern.split("/") if segment and "{" not in segment][-1]
    return dict(FORMS.get(last, {}))


UNKNOWN = re.compile(r'Unknown parameter\(s\): ([^"]+)')
MISSING = re.compile(r"Missing required parameter ([\w.]+)")


def call_as(w: World, op: Operation, auth: Any = "default", **kwargs: Any) -> Reply:
    """``op`` on A's example path, with a form the operation takes: parameters the server
    calls unknown are left out and the call made again, so that only ownership (or
    credentials) can refuse it."""
    path = fill(op.pattern, w.examples)
    form = _form(op)
    while True:
        if op.method == "POST":
            reply = w.a.call(op.method, path, form or None, auth=auth, **kwargs)
        else:
            reply = w.a.call(op.method, path, auth=auth, params=form or None, **kwargs)
        text = reply.body.decode("utf-8", "replace")
        unknown, missing = UNKNOWN.search(text), MISSING.search(text)
        if reply.status != 400:
            return reply
        if missing and missing.group(1) not in form:
            form = form | {missing.group(1): "evil"}
            continue
        if not unknown or not form:
            return reply
        names = {name.strip() for name in unknown.group(1).split(",")}
        if not names & form.keys():
            return reply
        form = {key: value for key, value in form.items() if key not in names}


@pytest.mark.parametrize("as_key", [False, True], ids=["B auth token", "B api key"])
def test_another_account_reaches_nothing_of_a(world: World, as_key: bool) -> None:
    before = snapshot(world)
    auth = world.b_key if as_key else world.b.credentials
    problems: list[str] = []
    checked = 0
    for op in operations():
        if str(op) in PUBLIC:
            continue
        path = fill(op.pattern, world.examples)
        reply = call_as(world, op, auth=auth)
        body = reply.body.decode("utf-8", "replace")
        checked += 1
        if holds_a_resource(op):
            if reply.status != 404 or reply.error_problem() or reply.json()["code"] != 20404:
                problems.append(f"{op} ({path}) -> {reply.status} {body[:150]}")
        elif reply.status >= 500:
            problems.append(f"own {op} ({path}) -> {reply.status} {body[:150]}")
        # The SIDs B sent may come back in the 404's text; any other of A's is a leak.
        leaked = sorted(sid for sid in world.a_sids() if sid in body and sid not in path)
        if leaked or world.a.credentials[0] in body:
            problems.append(f"{op} ({path}) shows A's {leaked or 'AccountSid'}: {body[:150]}")
    assert checked == len(operations()) - len(PUBLIC)
    assert not problems, "\n".join(problems)
    after = snapshot(world)
    changed = [path for path in before if after[path] != before[path]]
    assert not changed, f"B changed what A sees at {changed}"
    assert world.server.process.poll() is None


def _basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


def bad_credentials(w: World) -> dict[str, dict[str, Any]]:
    """Name -> keyword arguments for :meth:`Api.call` that must all be refused with 401."""
    sid, token = w.a.credentials
    headers = {
        "empty header": "",
        "scheme only": "Basic",
        "scheme and space": "Basic ",
        "not base64": "Basic !!!not-base64!!!",
        "no colon": _basic(sid.encode()),
        "empty user and password": _basic(b":"),
        "invalid utf-8": _basic(b"\xff\xfe:\xfd"),
        "bearer": f"Bearer {token}",
        "digest": f'Digest username="{sid}"',
        "huge": _basic(sid.encode() + b":" + b"x" * 6000),
        "nul byte": _basic(sid.encode() + b"\x00:" + token.encode()),
    }
    cases: dict[str, dict[str, Any]] = {
        "no auth": {"auth": None},
        "wrong token": {"auth": (sid, WRONG_TOKEN)},
        "empty token": {"auth": (sid, "")},
        "token prefix": {"auth": (sid, token[:-1])},
        "lower-case sid": {"auth": (sid.lower(), token)},
        "unknown account": {"auth": ("AC" + "9" * 32, token)},
        "A sid with B token": {"auth": (sid, w.b.credentials[1])},
        "B sid with A token": {"auth": (w.b.credentials[0], token)},
        "unknown api key": {"auth": ("SK" + "0" * 32, token)},
        "B api key, wrong secret": {"auth": (w.b_key[0], token)},
    }
    for name, value in headers.items():
        cases[f"header: {name}"] = {"auth": None, "headers": {"Authorization": value}}
    return cases


def test_refused_credentials_reach_nothing_on_any_operation(world: World) -> None:
    before = snapshot(world)
    problems: list[str] = []
    for name, kwargs in bad_credentials(world).items():
        for op in operations():
            if str(op) in PUBLIC:
                continue
            reply = call_as(world, op, **kwargs)
            body = reply.body.decode("utf-8", "replace")
            if reply.status != 401 or reply.error_problem() or reply.json()["code"] != 20003:
                problems.append(f"[{name}] {op} -> {reply.status} {body[:150]}")
            elif "invalid username" in body:  # the old text, wrong for a wrong token
                problems.append(f"[{name}] {op}: {body[:150]}")
            elif any(s in body for s in world.a_sids()):
                problems.append(f"[{name}] {op} leaks A's data: {body[:150]}")
    assert not problems, "\n".join(problems[:40])
    assert snapshot(world) == before
