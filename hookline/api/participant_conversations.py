"""``GET /v1/[Services/{IS}/]ParticipantConversations?Identity=…|Address=…``: every
conversation of the service one chat identity or one messaging address takes part in."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from hookline.api.user_conversations import links, membership_list
from hookline.domain import services
from hookline.domain.memberships import Membership
from hookline.exceptions import InvalidParameter
from hookline.types import Record
from hookline.web.call import Call, both_forms, json


def render(call: Call, membership: Membership) -> Record:
    conv, participant = membership.conversation, membership.participant
    return {
        "account_sid": conv["account_sid"],
        "chat_service_sid": conv["chat_service_sid"],
        "participant_sid": participant["sid"],
        "participant_user_sid": membership.user_sid,
        "participant_identity": participant.get("identity"),
        "participant_messaging_binding": participant.get("messaging_binding"),
        "conversation_sid": conv["sid"],
        "conversation_unique_name": conv.get("unique_name"),
        "conversation_friendly_name": conv.get("friendly_name"),
        "conversation_attributes": conv["attributes"],
        "conversation_date_created": conv["date_created"],
        "conversation_date_updated": conv["date_updated"],
        "conversation_created_by": conv.get("created_by"),
        "conversation_state": conv["state"],
        "conversation_timers": conv.get("timers") or {},
        "links": links(call, membership),
    }


async def listing(call: Call) -> Response:
    identity, address = call.form.get("Identity"), call.form.get("Address")
    if bool(identity) == bool(address):
        raise InvalidParameter("Give exactly one of Identity or Address")
    await services.get(call.rt, call.account.sid, call.service_sid)
    where: dict[str, Any] = {"account_sid": call.account.sid, "chat_service_sid": call.service_sid}
    where |= {"identity": identity} if identity else {"address": address}
    query = {"Identity": identity} if identity else {"Address": address or ""}
    # The filter stays in the page URLs, or the SDK's next page would lose it.
    return json(await membership_list(call, where, lambda m: render(call, m), query))


routes = [*both_forms("/ParticipantConversations", listing, "GET")]
