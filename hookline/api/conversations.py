"""``/v1/Conversations`` and ``/v1/Services/{IS}/Conversations``."""

from __future__ import annotations

from starlette.responses import Response

from hookline.domain import conversations
from hookline.domain.validation import one_of
from hookline.types import Record
from hookline.web.call import Call, both_forms, json, no_content
from hookline.web.paging import list_response

FIELDS = (
    "FriendlyName",
    "UniqueName",
    "DateCreated",
    "DateUpdated",
    "MessagingServiceSid",
    "Attributes",
    "State",
    "Timers.Inactive",
    "Timers.Closed",
    "Bindings.Email.Address",
    "Bindings.Email.Name",
)


def render(call: Call, record: Record) -> Record:
    url = f"{call.prefix}/Conversations/{record['sid']}"
    links = {
        "participants": f"{url}/Participants",
        "messages": f"{url}/Messages",
        "webhooks": f"{url}/Webhooks",
    }
    return record | {"url": url, "links": links}


async def create(call: Call) -> Response:
    fields = call.form.pick(*FIELDS)
    record = await conversations.create(
        call.rt, call.actor, call.account.sid, call.service_sid, fields
    )
    return json(render(call, record), 201)


async def fetch(call: Call) -> Response:
    async with call.rt.store.read() as tx:
        record = await conversations.find(tx, call.account.sid, call.service_sid, call.path("Sid"))
    return json(render(call, record))


async def update(call: Call) -> Response:
    record = await conversations.update(
        call.rt,
        call.actor,
        call.account.sid,
        call.service_sid,
        call.path("Sid"),
        call.form.pick(*FIELDS),
    )
    return json(render(call, record))


async def delete(call: Call) -> Response:
    await conversations.delete(
        call.rt, call.actor, call.account.sid, call.service_sid, call.path("Sid")
    )
    return no_content()


async def listing(call: Call) -> Response:
    where = {"account_sid": call.account.sid, "chat_service_sid": call.service_sid}
    query = {}
    state = call.form.get("State")
    if state:
        where["state"] = one_of(state, "State", conversations.STATES)
        query["State"] = state
    body = await list_response(
        call,
        "conversation",
        where,
        "conversations",
        lambda r: render(call, r),
        extra_query=query,
    )
    return json(body)


routes = [
    *both_forms("/Conversations", create, "POST", FIELDS),
    *both_forms("/Conversations", listing, "GET"),
    *both_forms("/Conversations/{Sid}", fetch, "GET"),
    *both_forms("/Conversations/{Sid}", update, "POST", FIELDS),
    *both_forms("/Conversations/{Sid}", delete, "DELETE"),
]
