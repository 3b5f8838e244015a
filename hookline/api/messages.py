"""``/v1/[Services/{IS}/]Conversations/{CH}/Messages[/{IM}]``."""

from __future__ import annotations

from starlette.responses import Response

from hookline.api.call import Call, both_forms, json, no_content
from hookline.api.paging import list_response
from hookline.domain import conversations, messages, receipts
from hookline.domain.validation import one_of
from hookline.types import Record

CREATE_FIELDS = (
    "Author",
    "Body",
    "DateCreated",
    "DateUpdated",
    "Attributes",
    "MediaSid",
    "ContentSid",
    "ContentVariables",
    "Subject",
)
UPDATE_FIELDS = ("Author", "Body", "DateCreated", "DateUpdated", "Attributes", "Subject")


#: The properties of a Message, in Twilio's order; the ``/v1/Services/{IS}`` form adds
#: ``chat_service_sid`` (the two forms are separate schemas in Twilio's OpenAPI spec).
SHAPE = (
    "account_sid",
    "chat_service_sid",
    "conversation_sid",
    "sid",
    "index",
    "author",
    "body",
    "media",
    "attributes",
    "participant_sid",
    "date_created",
    "date_updated",
    "delivery",
    "content_sid",
)


def render(call: Call, record: Record) -> Record:
    url = f"{call.prefix}/Conversations/{record['conversation_sid']}/Messages/{record['sid']}"
    links = {"delivery_receipts": f"{url}/Receipts", "channel_metadata": f"{url}/ChannelMetadata"}
    body = {name: record.get(name) for name in SHAPE} | {"url": url, "links": links}
    if "ChatServiceSid" not in call.request.path_params:
        del body["chat_service_sid"]
    return body


async def _with_delivery(call: Call, bodies: list[Record]) -> list[Record]:
    """Fill each message's ``delivery`` summary from its receipts (domain/receipts.py)."""
    async with call.rt.store.read() as tx:
        found = await receipts.summaries(tx, [body["sid"] for body in bodies])
    for body in bodies:
        body["delivery"] = found[body["sid"]]
    return bodies


async def create(call: Call) -> Response:
    fields = call.form.pick(*CREATE_FIELDS)
    record = await messages.create(call.rt, call.actor, *call.conversation_ids, fields)
    return json(render(call, record), 201)


async def fetch(call: Call) -> Response:
    account_sid, service_sid, conv_ref = call.conversation_ids
    async with call.rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        record = await messages.find(tx, conv, call.path("Sid"))
    return json((await _with_delivery(call, [render(call, record)]))[0])


async def update(call: Call) -> Response:
    fields = call.form.pick(*UPDATE_FIELDS)
    record = await messages.update(
        call.rt, call.actor, *call.conversation_ids, call.path("Sid"), fields
    )
    return json((await _with_delivery(call, [render(call, record)]))[0])


async def delete(call: Call) -> Response:
    await messages.delete(call.rt, call.actor, *call.conversation_ids, call.path("Sid"))
    return no_content()


async def listing(call: Call) -> Response:
    account_sid, service_sid, conv_ref = call.conversation_ids
    async with call.rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
    order = one_of(call.form.get("Order") or "asc", "Order", ("asc", "desc"))
    body = await list_response(
        call,
        "message",
        {"conversation_sid": conv["sid"]},
        "messages",
        lambda r: render(call, r),
        descending=order == "desc",
        extra_query={"Order": order},
    )
    await _with_delivery(call, body["messages"])
    return json(body)


PATH = "/Conversations/{ConversationSid}/Messages"
routes = [
    *both_forms(PATH, create, "POST", CREATE_FIELDS),
    *both_forms(PATH, listing, "GET"),
    *both_forms(PATH + "/{Sid}", fetch, "GET"),
    *both_forms(PATH + "/{Sid}", update, "POST", UPDATE_FIELDS),
    *both_forms(PATH + "/{Sid}", delete, "DELETE"),
]
