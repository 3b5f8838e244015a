"""``POST /_hookline/Conversations/{CH}/Messages/{IM}/Receipts``: play the carrier.

``ParticipantSid`` (an ``MB…`` SID, or the participant's identity or address) and
``Status`` are required; ``ErrorCode`` goes with ``failed``/``undelivered``;
``ChatServiceSid`` picks a non-default service. The first report for a participant creates
the receipt (201), later ones move it on (200); each fires ``onDeliveryUpdated``.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.control.scoped import scoped
from hookline.domain import receipts
from hookline.web import render
from hookline.web.call import Call, endpoint, json

FIELDS = ("ParticipantSid", "Status", "ErrorCode", "ChatServiceSid")


async def set_receipt(call: Call) -> Response:
    call = scoped(call)
    record, created = await receipts.set_status(
        call.rt,
        call.account.sid,
        call.service_sid,
        call.path("ConversationSid"),
        call.path("MessageSid"),
        call.form.get("ParticipantSid"),
        call.form.get("Status"),
        call.form.get("ErrorCode"),
    )
    return json(render.receipt(call, record), 201 if created else 200)


routes = [
    Route(
        "/_hookline/Conversations/{ConversationSid}/Messages/{MessageSid}/Receipts",
        endpoint(set_receipt, FIELDS),
        methods=["POST"],
    ),
]
