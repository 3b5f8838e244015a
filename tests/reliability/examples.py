"""One resource of every kind, owned by one account, for tests that walk the route table
(``tests.support.routes``): the cross-account check and the fuzzer fill each operation's
path with these, and make fresh ones where an operation deletes what it names."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable

from tests.reliability.conftest import Api
from tests.support.receiver import Receiver
from tests.support.routes import Operation, fill, kind_of, operations

SMS = "+15550001111"
PROXY = "+15550002222"
#: How to create one more resource of a kind, by POSTing this form to its collection.
CREATE_FORMS: dict[str, dict[str, str]] = {
    "Services": {"FriendlyName": "fresh"},
    "Conversations": {"FriendlyName": "fresh"},
    "Messages": {"Body": "fresh", "Author": "fresh"},
    "Webhooks": {
        "Target": "webhook",
        "Configuration.Url": "http://127.0.0.1:9/fresh",
        "Configuration.Filters": "onMessageAdded",
    },
    "Participants": {"Identity": "{unique}"},
    "Users": {"Identity": "{unique}"},
    "Roles": {"FriendlyName": "{unique}", "Type": "conversation", "Permission": "sendMessage"},
    "Addresses": {"Type": "sms", "Address": "+1555{digits}"},
    "Credentials": {"Type": "fcm", "Secret": "fresh-secret", "FriendlyName": "{unique}"},
    "Bindings": {
        "Identity": "alice",
        "BindingType": "fcm",
        "Address": "device-{unique}",
        "CredentialSid": "{Credentials}",
    },
}
#: Where a kind is created when not by POSTing to its own collection (a push binding is
#: made by a client SDK on Twilio; hookline takes it at ``/_hookline``).
CREATE_AT = {"Bindings": "/_hookline/Services/{ChatServiceSid}/Bindings"}


def build_examples(a: Api, receiver: Receiver) -> dict[str, str]:
    """One resource of A of every kind the fixture knows how to make."""
    service = a.ok("GET", "/v1/Configuration")["default_chat_service_sid"]
    a.ok(
        "POST",
        "/v1/Configuration/Webhooks",
        {"PostWebhookUrl": receiver.url("/a-post"), "Filters": "onMessageAdded"},
    )
    conversation = a.ok(
        "POST", "/v1/Conversations", {"FriendlyName": "a-conv", "UniqueName": "a-unique"}
    )["sid"]
    conv = f"/v1/Conversations/{conversation}"
    chat = a.ok("POST", f"{conv}/Participants", {"Identity": "alice"})
    phone = a.ok(
        "POST",
        f"{conv}/Participants",
        {"MessagingBinding.Address": SMS, "MessagingBinding.ProxyAddress": PROXY},
    )
    message = a.ok(
        "POST",
        f"{conv}/Messages",
        {"Body": "secret", "Author": "alice"},
        headers={"X-Twilio-Webhook-Enabled": "true"},
    )["sid"]
    receipt = a.ok(
        "POST",
        f"/_hookline/Conversations/{conversation}/Messages/{message}/Receipts",
        {"ParticipantSid": phone["sid"], "Status": "sent"},
    )["sid"]
    webhook = a.ok(
        "POST",
        f"{conv}/Webhooks",
        {
            "Target": "webhook",
            "Configuration.Url": receiver.url("/a-scoped"),
            "Configuration.Filters": "onMessageAdded",
        },
    )["sid"]
    role = a.ok(
        "POST",
        "/v1/Roles",
        {"FriendlyName": "a-role", "Type": "conversation", "Permission": "sendMessage"},
    )["sid"]
    address = a.ok(
        "POST", "/v1/Configuration/Addresses", {"Type": "sms", "Address": "+15550003333"}
    )["sid"]
    flow = "FW" + "a" * 32
    a.ok("POST", f"/_hookline/flows/{flow}", {"Url": receiver.url("/a-flow")})
    receiver.wait_for(1, path="/a-post", timeout=30)  # the message's post-event
    delivery = settled_delivery(a)
    streams = _event_streams(a, receiver) if _served("/v1/Sinks") else {}
    return streams | {
        "Services": service,
        "Conversations": conversation,
        "Participants": chat["sid"],
        "Users": a.ok("GET", "/v1/Users")["users"][0]["sid"],
        "Messages": message,
        "Receipts": receipt,
        "Webhooks": webhook,
        "Roles": role,
        "Addresses": address,
        "deliveries": delivery,
        "flows": flow,
        "static": "inspector.css",
    }


MESSAGE_ADDED = "com.twilio.conversations.message.added"


def _served(pattern: str) -> bool:
    return any(op.pattern == pattern for op in operations())


def _event_streams(a: Api, receiver: Receiver) -> dict[str, str]:
    """A's Event Streams sink and subscription, and entries of the global catalogs."""
    config = json.dumps({"destination": receiver.url("/a-sink"), "method": "POST"})
    sink = a.ok(
        "POST",
        "/v1/Sinks",
        {"Description": "a-sink", "SinkType": "webhook", "SinkConfiguration": config},
    )["sid"]
    types = [json.dumps({"type": MESSAGE_ADDED, "schema_version": 1})]
    subscription = a.ok(
        "POST", "/v1/Subscriptions", {"Description": "a-sub", "SinkSid": sink, "Types": types}
    )["sid"]
    return {
        "Sinks": sink,
        "Subscriptions": subscription,
        "SubscribedEvents": MESSAGE_ADDED,
        "Type": MESSAGE_ADDED,
        "Id": "Conversations.MessageAdded",
        "SchemaVersion": "1",
    }


def settled_delivery(a: Api) -> str:
    """A delivery of A's, once none of A's is still pending (a stable snapshot)."""
    deadline = time.monotonic() + 60
    while True:
        rows = a.ok("GET", "/_hookline/deliveries", params={"Limit": 1000})["deliveries"]
        if rows and all(row["status"] not in ("pending", "sending") for row in rows):
            return str(rows[0]["sid"])
        assert time.monotonic() < deadline, f"A's deliveries never settled: {rows}"
        time.sleep(0.05)  # the worker is still sending A's deliveries


def discover(a: Api, examples: dict[str, str], op: Operation, kind: str) -> str | None:
    """An example of ``kind`` for a route newer than this file: the first item A can list
    at the path up to that parameter (its earlier parameters filled in)."""
    segments = op.pattern.split("/")
    params = [i for i, segment in enumerate(segments) if segment.startswith("{")]
    position = params[kind_of(op.pattern).index(kind)]
    prefix = "/".join(segments[:position])
    try:
        listing = a.call("GET", fill(prefix, examples))
    except KeyError:  # an earlier parameter has no example either
        return None
    if listing.status != 200:
        return None
    for value in listing.json().values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            sid = value[0].get("sid")
            return str(sid) if sid else None
    return None


def discover_missing(api: Api, examples: dict[str, str], ops: Iterable[Operation]) -> None:
    """Fill in kinds of newer routes that :func:`build_examples` does not make: create one
    where :data:`CREATE_FORMS` says how (a form may name another kind's example, e.g.
    ``{Credentials}``), else take the first item A can list."""
    ops = list(ops)
    progress = True
    while progress:  # a kind may need another's example first
        progress = False
        for op in ops:
            for kind in kind_of(op.pattern):
                if kind not in examples and kind in CREATE_FORMS:
                    made = _create(api, examples, op, kind)
                    if made:
                        examples[kind], progress = made, True
    for op in ops:
        for kind in kind_of(op.pattern):
            if kind not in examples:
                found = discover(api, examples, op, kind)
                if found:
                    examples[kind] = found


def _create(api: Api, examples: dict[str, str], op: Operation, kind: str) -> str | None:
    segments = op.pattern.split("/")
    params = [i for i, segment in enumerate(segments) if segment.startswith("{")]
    collection = CREATE_AT.get(kind) or "/".join(
        segments[: params[kind_of(op.pattern).index(kind)]]
    )
    unique = uuid.uuid4().hex[:12]
    try:
        path = fill(collection, examples)
        form = {
            key: value.format_map(
                {"unique": unique, "digits": str(uuid.uuid4().int)[:7], **examples}
            )
            for key, value in CREATE_FORMS[kind].items()
        }
    except KeyError:  # needs an example not made yet
        return None
    reply = api.call("POST", path, form)
    if reply.status >= 300:
        return None
    sid = reply.json().get("sid")
    return str(sid) if sid else None


def fresh(api: Api, pattern: str, examples: dict[str, str]) -> dict[str, str]:
    """Path values for ``pattern`` whose last resource is a new one (for a DELETE), the
    others A's examples. A user's conversation is a new conversation the user joined."""
    kinds = kind_of(pattern)
    values = dict(examples)
    last = kinds[-1]
    parent = pattern[: pattern.rindex("/{")]
    if parent.endswith("/Users/{UserSid}/Conversations"):
        prefix = parent[: parent.index("/Users/")]
        conversation = api.ok("POST", fill(prefix, values) + "/Conversations", {})["sid"]
        identity = api.ok("GET", fill(parent.rsplit("/", 1)[0], values))["identity"]
        api.ok("POST", fill(prefix, values) + f"/Conversations/{conversation}/Participants",
               {"Identity": identity})  # fmt: skip
        values[last] = conversation
        return values
    unique = uuid.uuid4().hex[:12]
    digits = str(uuid.uuid4().int)[:7]
    form = {
        key: value.format_map({"unique": unique, "digits": digits, **values})
        for key, value in CREATE_FORMS.get(last, {}).items()
    }
    collection = CREATE_AT.get(last, parent)
    values[last] = str(api.ok("POST", fill(collection, values), form)["sid"])
    return values
