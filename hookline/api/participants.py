"""``/v1/[Services/{IS}/]Conversations/{CH}/Participants[/{MB}]``."""

from __future__ import annotations

from starlette.responses import Response

from hookline.domain import conversations, participants
from hookline.types import Record
from hookline.web.call import Call, both_forms, json, no_content
from hookline.web.paging import list_response

CREATE_FIELDS = (
    "Identity",
    "MessagingBinding.Address",
    "MessagingBinding.ProxyAddress",
    "MessagingBinding.ProjectedAddress",
    "DateCreated",
    "DateUpdated",
    "Attributes",
    "RoleSid",
)
UPDATE_FIELDS = (
    "DateCreated",
    "DateUpdated",
    "Attributes",
    "RoleSid",
    "MessagingBinding.ProxyAddress",
    "MessagingBinding.ProjectedAddress",
    "Identity",
    "LastReadMessageIndex",
    "LastReadTimestamp",
)
#: The spec's participant fields; ``chat_service_sid`` only in the ``/Services/{IS}`` form.
SHAPE = (
    "account_sid",
    "chat_service_sid",
    "conversation_sid",
    "sid",
    "identity",
    "attributes",
    "messaging_binding",
    "role_sid",
    "date_created",
    "date_updated",
    "last_read_message_index",
    "last_read_timestamp",
)


def url(call: Call, record: Record) -> str:
    return f"{call.prefix}/Conversations/{record['conversation_sid']}/Participants/{record['sid']}"


def render(call: Call, record: Record) -> Record:
    body = {name: record.get(name) for name in SHAPE} | {"url": url(call, record)}
    if "ChatServiceSid" not in call.request.path_params:
        body.pop("chat_service_sid")
    return body


async def create(call: Call) -> Response:
    fields = call.form.pick(*CREATE_FIELDS)
    record = await participants.create(call.rt, call.actor, *call.conversation_ids, fields)
    return json(render(call, record), 201)


async def fetch(call: Call) -> Response:
    account_sid, service_sid, conv_ref = call.conversation_ids
    async with call.rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        record = await participants.find(tx, conv, call.path("Sid"))
    return json(render(call, record))


async def update(call: Call) -> Response:
    fields = call.form.pick(*UPDATE_FIELDS)
    record = await participants.update(
        call.rt, call.actor, *call.conversation_ids, call.path("Sid"), fields
    )
    return json(render(call, record))


async def delete(call: Call) -> Response:
    await participants.delete(call.rt, call.actor, *call.conversation_ids, call.path("Sid"))
    return no_content()


async def listing(call: Call) -> Response:
    account_sid, service_sid, conv_ref = call.conversation_ids
    async with call.rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
    where = {"conversation_sid": conv["sid"]}
    body = await list_response(
        call, "participant", where, "participants", lambda r: render(call, r)
    )
    return json(body)


PATH = "/Conversations/{ConversationSid}/Participants"
routes = [
    *both_forms(PATH, create, "POST", CREATE_FIELDS),
    *both_forms(PATH, listing, "GET"),
    *both_forms(PATH + "/{Sid}", fetch, "GET"),
    *both_forms(PATH + "/{Sid}", update, "POST", UPDATE_FIELDS),
    *both_forms(PATH + "/{Sid}", delete, "DELETE"),
]
