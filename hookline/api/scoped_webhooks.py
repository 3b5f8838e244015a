"""``/v1/[Services/{IS}/]Conversations/{CH}/Webhooks[/{WH}]``."""

from __future__ import annotations

from starlette.responses import Response

from hookline.domain import conversations, scoped_webhooks
from hookline.domain.scoped_webhooks import WebhookFields
from hookline.types import Record
from hookline.web.call import Call, both_forms, json, no_content
from hookline.web.paging import list_response

UPDATE_FIELDS = (
    "Configuration.Url",
    "Configuration.Method",
    "Configuration.Filters",
    "Configuration.Triggers",
    "Configuration.FlowSid",
)
CREATE_FIELDS = ("Target", *UPDATE_FIELDS, "Configuration.ReplayAfter")


def render(call: Call, record: Record) -> Record:
    url = f"{call.prefix}/Conversations/{record['conversation_sid']}/Webhooks/{record['sid']}"
    body = record | {"url": url}
    if "ChatServiceSid" not in call.request.path_params:
        body.pop("chat_service_sid", None)
    return body


def _fields(call: Call) -> WebhookFields:
    form = call.form
    return WebhookFields(
        target=form.get("Target"),
        url=form.get("Configuration.Url"),
        method=form.get("Configuration.Method"),
        filters=form.getlist("Configuration.Filters"),
        triggers=form.getlist("Configuration.Triggers"),
        flow_sid=form.get("Configuration.FlowSid"),
        replay_after=form.get("Configuration.ReplayAfter"),
    )


async def create(call: Call) -> Response:
    record = await scoped_webhooks.create(call.rt, *call.conversation_ids, _fields(call))
    return json(render(call, record), 201)


async def fetch(call: Call) -> Response:
    async with call.rt.store.read() as tx:
        record = await scoped_webhooks.find(tx, *call.conversation_ids, call.path("Sid"))
    return json(render(call, record))


async def update(call: Call) -> Response:
    record = await scoped_webhooks.update(
        call.rt,
        call.account.sid,
        call.service_sid,
        call.path("ConversationSid"),
        call.path("Sid"),
        _fields(call),
    )
    return json(render(call, record))


async def delete(call: Call) -> Response:
    await scoped_webhooks.delete(call.rt, *call.conversation_ids, call.path("Sid"))
    return no_content()


async def listing(call: Call) -> Response:
    async with call.rt.store.read() as tx:
        conv = await conversations.find(tx, *call.conversation_ids)
    body = await list_response(
        call,
        "scoped_webhook",
        {"conversation_sid": conv["sid"]},
        "webhooks",
        lambda r: render(call, r),
        maximum=5,
        default_size=5,
    )
    return json(body)


PATH = "/Conversations/{ConversationSid}/Webhooks"
routes = [
    *both_forms(PATH, create, "POST", CREATE_FIELDS),
    *both_forms(PATH, listing, "GET"),
    *both_forms(PATH + "/{Sid}", fetch, "GET"),
    *both_forms(PATH + "/{Sid}", update, "POST", UPDATE_FIELDS),
    *both_forms(PATH + "/{Sid}", delete, "DELETE"),
]
