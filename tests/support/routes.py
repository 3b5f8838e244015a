"""Every operation of the app's route table, with example paths built from the patterns.

A path parameter names the kind of resource it holds: ``{ConversationSid}``,
``{ChatServiceSid}``, ``{MessageSid}``…, or ``{Sid}``, whose kind is the literal segment
before it (``/Roles/{Sid}``: a role). :func:`fill` puts a given example of each kind into
a pattern; :func:`kinds` lists the kinds a pattern needs, so a test can say which ones it
has no example for (a new route whose resource it does not know yet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.routing import Route

PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Operation:
    method: str
    pattern: str

    def __str__(self) -> str:
        return f"{self.method} {self.pattern}"


def operations() -> list[Operation]:
    """Every (method, path pattern) the app serves (HEAD aside), in route-table order."""
    from hookline.app import api_routes

    found: list[Operation] = []
    for route in api_routes():
        assert isinstance(route, Route), f"not a plain Route: {route!r} (extend routes.py)"
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append(Operation(method, route.path))
    return found


def kinds(pattern: str) -> list[str]:
    """The kind of each parameter of ``pattern``, in order: its name, or for ``{Sid}``
    (and other generic names) the literal segment before it."""
    result: list[str] = []
    segments = pattern.strip("/").split("/")
    for index, segment in enumerate(segments):
        found = PARAM.fullmatch(segment)
        if not found:
            continue
        name = found.group(1)
        result.append(segments[index - 1] if name in ("Sid", "name") else name)
    # Events' ``/SubscribedEvents/{Sid}`` names an event type subscribed to.
    return result


#: Parameter names that mean the same kind of resource as a collection segment.
SYNONYMS = {
    "ChatServiceSid": "Services",
    "ConversationSid": "Conversations",
    "MessageSid": "Messages",
    "ParticipantSid": "Participants",
    "UserSid": "Users",
    "RoleSid": "Roles",
    "WebhookSid": "Webhooks",
    "CredentialSid": "Credentials",
    "BindingSid": "Bindings",
    "FlowSid": "flows",
    "SubscriptionSid": "Subscriptions",
}
#: Kinds that name entries of Twilio's global catalogs (Event Streams types and schemas),
#: the same for every account.
CATALOG = frozenset({"Type", "Id", "SchemaVersion"})


def kind_of(pattern: str) -> list[str]:
    """:func:`kinds`, with parameter names mapped to their collection (``Conversations``)."""
    return [SYNONYMS.get(kind, kind) for kind in kinds(pattern)]


def fill(pattern: str, examples: dict[str, str]) -> str:
    """``pattern`` with each parameter replaced by the example of its kind."""
    values = iter(examples[kind] for kind in kind_of(pattern))
    return PARAM.sub(lambda _: next(values), pattern)
