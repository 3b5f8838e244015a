"""``/_hookline/deliveries``: the delivery log, attempts, and resend."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.control.cursor import after_and_limit, newest_first
from hookline.domain import deliveries
from hookline.web.call import Call, endpoint, json

FILTERS = {"Status": "status", "EventType": "event_type", "ConversationSid": "conversation_sid"}


async def listing(call: Call) -> Response:
    after, limit = after_and_limit(call)
    filters = {column: call.form.get(name) for name, column in FILTERS.items()}
    wanted = {column: value for column, value in filters.items() if value}
    items, next_after = await deliveries.page(
        call.rt, call.account.sid, after, limit, wanted, descending=newest_first(call)
    )
    return json({"deliveries": items, "next_after": next_after})


async def fetch(call: Call) -> Response:
    return json(await deliveries.show(call.rt, call.account.sid, call.path("Sid")))


async def resend(call: Call) -> Response:
    """Queue the delivery again (same body and idempotency token); it keeps its history."""
    return json(await deliveries.resend(call.rt, call.account.sid, call.path("Sid")), 202)


routes = [
    Route("/_hookline/deliveries", endpoint(listing), methods=["GET"]),
    Route("/_hookline/deliveries/{Sid}", endpoint(fetch), methods=["GET"]),
    Route("/_hookline/deliveries/{Sid}/Resend", endpoint(resend), methods=["POST"]),
]
