"""``/v1/Types[/{Type}]``: the Event Streams types hookline emits (the Conversations ones),
read-only, from :mod:`hookline.domain.stream_types`."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import stream_types
from hookline.domain.paging import page_of_items
from hookline.events_api import render
from hookline.exceptions import NotFound
from hookline.web.call import Call, endpoint, json
from hookline.web.paging import envelope, page_request


async def listing(call: Call) -> Response:
    schema_id = call.form.get("SchemaId")
    kinds = list(stream_types.EVENT_TYPES)
    if schema_id:
        kinds = [kind for kind in kinds if kind.schema_id == schema_id]
    request = page_request(call, maximum=1000)
    page = page_of_items(kinds, request)
    given = {"SchemaId": schema_id} if schema_id else {}
    body = envelope(call, "types", page, request, lambda k: render.event_type(call, k), given)
    return json(body)


async def fetch(call: Call) -> Response:
    kind = stream_types.find_type(call.path("Type"))
    if kind is None:
        raise NotFound(f"The requested resource /Types/{call.path('Type')} was not found")
    return json(render.event_type(call, kind))


routes = [
    Route("/v1/Types", endpoint(listing), methods=["GET"]),
    Route("/v1/Types/{Type}", endpoint(fetch), methods=["GET"]),
]
