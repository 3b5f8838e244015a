"""``/v1/[Services/{IS}/]Conversations/{CH}/Messages/{IM}/Receipts[/{DY}]`` (read-only).

Receipts are written by ``POST /_hookline/…/Receipts`` (control/receipts.py).
"""

from __future__ import annotations

from starlette.responses import Response

from hookline.domain import receipts
from hookline.types import Record
from hookline.web.call import Call, both_forms, json
from hookline.web.paging import list_response


def render(call: Call, record: Record) -> Record:
    url = (
        f"{call.prefix}/Conversations/{record['conversation_sid']}"
        f"/Messages/{record['message_sid']}/Receipts/{record['sid']}"
    )
    body = record | {"url": url}
    if "/Services/" not in call.prefix:
        # The default-service form of the resource has no chat_service_sid (OpenAPI).
        body.pop("chat_service_sid", None)
    return body


async def _message(call: Call) -> Record:
    async with call.rt.store.read() as tx:
        return await receipts.message_in(tx, *call.conversation_ids, call.path("MessageSid"))


async def fetch(call: Call) -> Response:
    message = await _message(call)
    async with call.rt.store.read() as tx:
        record = await receipts.find(tx, message, call.path("Sid"))
    return json(render(call, record))


async def listing(call: Call) -> Response:
    message = await _message(call)
    body = await list_response(
        call,
        "receipt",
        {"message_sid": message["sid"]},
        "delivery_receipts",
        lambda r: render(call, r),
    )
    return json(body)


PATH = "/Conversations/{ConversationSid}/Messages/{MessageSid}/Receipts"
routes = [
    *both_forms(PATH, listing, "GET"),
    *both_forms(PATH + "/{Sid}", fetch, "GET"),
]
