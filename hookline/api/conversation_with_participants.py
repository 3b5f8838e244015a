"""``POST /v1/[Services/{IS}/]ConversationWithParticipants``: a conversation and up to ten
participants in one transaction (``onConversationAdded`` then each ``onParticipantAdded``)."""

from __future__ import annotations

from starlette.responses import Response

from hookline.api.conversations import FIELDS, render
from hookline.domain import conversation_with_participants
from hookline.web.call import Call, both_forms, json

PARAMS = (*FIELDS, "Participant")


async def create(call: Call) -> Response:
    record = await conversation_with_participants.create(
        call.rt,
        call.actor,
        call.account.sid,
        call.service_sid,
        call.form.pick(*FIELDS),
        call.form.getlist("Participant") or [],
    )
    return json(render(call, record), 201)


routes = [*both_forms("/ConversationWithParticipants", create, "POST", PARAMS)]
