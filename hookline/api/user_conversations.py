"""``/v1/[Services/{IS}/]Users/{US or identity}/Conversations[/{CH or UniqueName}]``:
the user's participations, derived from participants and conversations."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import Response

from hookline.domain import memberships, services, users
from hookline.domain.memberships import Membership
from hookline.types import Record
from hookline.web.call import Call, both_forms, json, no_content
from hookline.web.paging import list_response

UPDATE_FIELDS = ("NotificationLevel", "LastReadTimestamp", "LastReadMessageIndex")


def links(call: Call, membership: Membership) -> dict[str, str]:
    conversation = f"{call.prefix}/Conversations/{membership.conversation['sid']}"
    participant = f"{conversation}/Participants/{membership.participant['sid']}"
    return {"participant": participant, "conversation": conversation}


async def membership_list(
    call: Call,
    where: Mapping[str, Any],
    render: Callable[[Membership], Record],
    extra_query: Mapping[str, str] | None = None,
) -> Record:
    """A page of participants (``where``), joined and rendered, in Twilio's envelope."""
    body = await list_response(
        call, "participant", where, "conversations", dict, maximum=50, extra_query=extra_query
    )
    body["conversations"] = [
        render(m) for m in await memberships.load(call.rt, body["conversations"])
    ]
    return body


def render(call: Call, membership: Membership) -> Record:
    conv, participant = membership.conversation, membership.participant
    user_sid = membership.user_sid
    return {
        "account_sid": conv["account_sid"],
        "chat_service_sid": conv["chat_service_sid"],
        "conversation_sid": conv["sid"],
        "unread_messages_count": membership.unread_messages_count,
        "last_read_message_index": participant.get("last_read_message_index"),
        "participant_sid": participant["sid"],
        "user_sid": user_sid,
        "friendly_name": conv.get("friendly_name"),
        "conversation_state": conv["state"],
        "timers": conv.get("timers") or {},
        "attributes": conv["attributes"],
        "date_created": conv["date_created"],
        "date_updated": conv["date_updated"],
        "created_by": conv.get("created_by"),
        "notification_level": participant.get("notification_level", "default"),
        "unique_name": conv.get("unique_name"),
        "url": f"{call.prefix}/Users/{user_sid}/Conversations/{conv['sid']}",
        "links": links(call, membership),
    }


def _ids(call: Call) -> tuple[str, str]:
    return call.account.sid, call.service_sid


def _refs(call: Call) -> tuple[str, str]:
    return call.path("UserSid"), call.path("ConversationSid")


async def listing(call: Call) -> Response:
    account_sid, service_sid = _ids(call)
    async with call.rt.store.read() as tx:
        await services.get_in(tx, account_sid, service_sid)
        user = await users.find(tx, account_sid, service_sid, call.path("UserSid"))
    where = {"chat_service_sid": service_sid, "identity": user["identity"]}
    return json(await membership_list(call, where, lambda m: render(call, m)))


async def fetch(call: Call) -> Response:
    membership = await memberships.of_user(call.rt, *_ids(call), *_refs(call))
    return json(render(call, membership))


async def update(call: Call) -> Response:
    fields = call.form.pick(*UPDATE_FIELDS)
    membership = await memberships.update_of_user(
        call.rt, call.actor, *_ids(call), _refs(call), fields
    )
    return json(render(call, membership))


async def delete(call: Call) -> Response:
    await memberships.leave(call.rt, call.actor, *_ids(call), _refs(call))
    return no_content()


PATH = "/Users/{UserSid}/Conversations"
routes = [
    *both_forms(PATH, listing, "GET"),
    *both_forms(PATH + "/{ConversationSid}", fetch, "GET"),
    *both_forms(PATH + "/{ConversationSid}", update, "POST", UPDATE_FIELDS),
    *both_forms(PATH + "/{ConversationSid}", delete, "DELETE"),
]
