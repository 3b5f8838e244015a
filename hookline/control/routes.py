"""``/_hookline/…`` endpoints (Basic auth, same credentials as ``/v1``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hookline.api.call import Call, endpoint, json, no_content
from hookline.control import deliveries, inspector, receipts, reset
from hookline.control.cursor import after_and_limit, newest_first
from hookline.domain.validation import http_url
from hookline.exceptions import InvalidParameter
from hookline.sids import is_sid
from hookline.store import queries as q


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def events(call: Call) -> Response:
    after, limit = after_and_limit(call)
    filters: dict[str, Any] = {}
    for form_name, column in (("EventType", "event_type"), ("ConversationSid", "conversation_sid")):
        if call.form.get(form_name):
            filters[column] = call.form.get(form_name)
    async with call.rt.store.read() as tx:
        statement = q.select_events(call.account.sid, after, limit, filters, newest_first(call))
        rows = (await tx.execute(statement)).all()
    items = [{key: value for key, value in row._mapping.items()} for row in rows]
    next_after = max((item["seq"] for item in items), default=after)
    return json({"events": items, "next_after": next_after})


async def flows(call: Call) -> Response:
    async with call.rt.store.read() as tx:
        rows = (await tx.execute(q.select_studio_flows(call.account.sid))).all()
    return json({"flows": [{"flow_sid": sid, "url": url} for sid, url in rows]})


async def map_flow(call: Call) -> Response:
    flow_sid = call.path("FlowSid")
    if not is_sid(flow_sid, "FW"):
        raise InvalidParameter("FlowSid must be FW + 32 hex", code=50367)
    url = http_url(call.form.get("Url"), "Url")
    if url is None:
        raise InvalidParameter("Url is required")
    async with call.rt.store.transaction() as tx:
        await tx.execute(q.delete_studio_flow(call.account.sid, flow_sid))
        await tx.execute(q.insert_studio_flow(call.account.sid, flow_sid, url))
    return json({"flow_sid": flow_sid, "url": url})


async def unmap_flow(call: Call) -> Response:
    async with call.rt.store.transaction() as tx:
        await tx.execute(q.delete_studio_flow(call.account.sid, call.path("FlowSid")))
    return no_content()


routes = [
    Route("/_hookline/health", health, methods=["GET"]),
    Route("/_hookline/events", endpoint(events), methods=["GET"]),
    Route("/_hookline/flows", endpoint(flows), methods=["GET"]),
    Route("/_hookline/flows/{FlowSid}", endpoint(map_flow, ("Url",)), methods=["POST"]),
    Route("/_hookline/flows/{FlowSid}", endpoint(unmap_flow), methods=["DELETE"]),
    *deliveries.routes,
    *receipts.routes,
    *reset.routes,
    *inspector.routes,
]
