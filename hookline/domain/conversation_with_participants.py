"""ConversationWithParticipants: a conversation and its first participants, atomically.

Each ``Participant`` form value is a JSON object string holding the Participant resource's
parameters in snake_case: ``identity``, ``attributes``, ``role_sid``, ``date_created``,
``date_updated`` and ``messaging_binding`` (``address``, ``proxy_address``,
``projected_address``). At most ten per request, Twilio's documented limit.

Every check runs before any pre-event; then ``onConversationAdd`` and one
``onParticipantAdd`` per participant are asked, and one transaction stores everything
and emits ``onConversationAdded``, any ``onUserAdded`` and each ``onParticipantAdded``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hookline.domain import conversations, emit, participants
from hookline.domain import participant_rules as rules
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import Duplicate, InvalidParameter
from hookline.types import Record

MAX_PARTICIPANTS = 10
#: A ``Participant`` object's keys, as the participant fields they give.
KEYS = {key: key for key in ("identity", "attributes", "role_sid", "date_created", "date_updated")}
BINDING_KEYS = {
    key: f"messaging_binding_{key}" for key in ("address", "proxy_address", "projected_address")
}


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidParameter(f"{what} must be a JSON object")
    return value


def _strings(doc: dict[str, Any], names: dict[str, str], what: str) -> dict[str, str]:
    unknown = sorted(set(doc) - set(names))
    if unknown:
        raise InvalidParameter(f"Unknown {what} key(s): {', '.join(unknown)}")
    fields: dict[str, str] = {}
    for key, field in names.items():
        value = doc.get(key)
        if key == "attributes" and isinstance(value, dict):
            value = json.dumps(value)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidParameter(f"{what} key {key} must be a string")
        fields[field] = value
    return fields


def participant_fields(raw: str) -> dict[str, str]:
    """One ``Participant`` value as the fields a Participant create would take."""
    try:
        doc = _object(json.loads(raw), "Participant")
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        raise InvalidParameter("Participant must be a JSON object string") from None
    binding = _object(doc.pop("messaging_binding", None) or {}, "Participant messaging_binding")
    fields = _strings(doc, KEYS, "Participant") | _strings(binding, BINDING_KEYS, "binding")
    rules.check(fields)
    rules.new_binding(fields)
    return fields


@dataclass(frozen=True)
class NewConversation:
    """The form: the conversation's fields and the raw ``Participant`` JSON values."""

    fields: dict[str, str]
    participants: list[str]


async def create(
    rt: Runtime, actor: Actor, account_sid: str, service_sid: str, new: NewConversation
) -> Record:
    fields, raw_participants = new.fields, new.participants
    if len(raw_participants) > MAX_PARTICIPANTS:
        raise InvalidParameter(f"At most {MAX_PARTICIPANTS} participants per request")
    wanted = [participant_fields(raw) for raw in raw_participants]
    conv, due = await conversations.prepare(rt, actor, account_sid, service_sid, fields)
    async with rt.store.read() as tx:
        drafts = [await participants.draft(tx, rt, conv, each) for each in wanted]
        for participant in drafts:
            await rules.ensure_free(tx, participant)
    for participant in drafts:
        params = participants.event_params(participant, "onParticipantAdd")
        await emit.pre(rt, actor, "onParticipantAdd", participants.scope_of(participant), params)
    try:
        async with emit.action(rt) as tx:
            await conversations.insert_in(rt, tx, actor, conv, due)
            for participant in drafts:
                # Sees the ones added before it: a repeated identity or address is a conflict.
                await participants.add_in(rt, tx, actor, participant)
    except Duplicate:
        raise conversations.unique_name_taken(conv) from None
    return conv
