"""``POST /v1/[Services/{IS}/]ConversationWithParticipants``: a conversation and up to ten
participants in one transaction (``onConversationAdded`` then each ``onParticipantAdded``)."""

from __future__ import annotations

from hookline.api.conversations import FIELDS
from hookline.domain import conversation_with_participants
from hookline.domain.conversation_with_participants import NewConversation
from hookline.web import render
from hookline.web.forms import Form
from hookline.web.resource import Resource


def _fields(form: Form) -> NewConversation:
    return NewConversation(form.fields(*FIELDS), form.getlist("Participant") or [])


resource = Resource(
    "/ConversationWithParticipants",
    "conversations",
    render.conversation,
    create=conversation_with_participants.create,
    create_fields=(*FIELDS, "Participant"),
    parse_create=_fields,
)
routes = resource.routes()
