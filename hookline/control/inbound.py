"""``POST /_hookline/Inbound``: a message from a phone (SMS or WhatsApp) to one of the
account's addresses, handled as Twilio's Conversations would (see
:mod:`hookline.domain.inbound`). Form: ``From``, ``To``, ``Body``, optional ``MediaSid``.

The answer (201) names the conversation, the participant and the message, and says whether
the conversation was ``created``; with no open conversation and no auto-creating address
configuration it is 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import inbound
from hookline.domain.inbound import InboundMessage
from hookline.web import render
from hookline.web.call import Call, endpoint, json

FIELDS = ("From", "To", "Body", "MediaSid")


@dataclass
class InService(Call):
    """Renders URLs in the ``/v1/Services/{IS}`` form unless ``service`` is the default."""

    service: str = ""

    @property
    def prefix(self) -> str:
        if self.service and self.service != self.account.default_service_sid:
            return f"{self.base_url}/v1/Services/{self.service}"
        return f"{self.base_url}/v1"


async def receive(call: Call) -> Response:
    message = InboundMessage(
        sender=call.form.get("From"),
        to=call.form.get("To"),
        body=call.form.get("Body"),
        media_sid=call.form.get("MediaSid"),
    )
    result = await inbound.receive(
        call.rt, call.account.sid, call.account.default_service_sid, message
    )
    service_sid = result.conversation["chat_service_sid"]
    rendered = InService(call.request, call.rt, call.account, call.form, service_sid)
    return json(
        {
            "conversation_sid": result.conversation["sid"],
            "chat_service_sid": service_sid,
            "participant_sid": result.participant["sid"],
            "message_sid": result.message["sid"],
            "created": result.created,
            "conversation": render.conversation(rendered, result.conversation),
            "participant": render.participant(rendered, result.participant),
            "message": render.message(rendered, result.message),
        },
        201,
    )


routes = [Route("/_hookline/Inbound", endpoint(receive, FIELDS), methods=["POST"])]
