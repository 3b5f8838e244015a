"""``/v1/Schemas/{Id}`` and its ``/Versions[/{SchemaVersion}]``, read-only, from the
catalogue. ``raw`` points at Twilio's published JSON Schema; ``/Raw`` (a hookline
addition beside the spec's paths) serves hookline's copy of that document."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import stream_types
from hookline.domain.paging import page_of_items
from hookline.domain.validation import natural
from hookline.events_api import render
from hookline.exceptions import NotFound
from hookline.web.call import Call, endpoint, json
from hookline.web.paging import envelope, page_request


def _schema(call: Call) -> stream_types.Schema:
    found = stream_types.find_schema(call.path("Id"))
    if found is None:
        raise NotFound(f"The requested resource /Schemas/{call.path('Id')} was not found")
    return found


def _version(call: Call) -> stream_types.SchemaVersion:
    schema_id = _schema(call).id
    raw = call.path("SchemaVersion")
    found = stream_types.find_schema_version(schema_id, natural(raw, "SchemaVersion"))
    if found is None:
        raise NotFound(f"The requested resource /Schemas/{schema_id}/Versions/{raw} was not found")
    return found


async def fetch(call: Call) -> Response:
    return json(render.schema(call, _schema(call)))


async def versions(call: Call) -> Response:
    found = list(stream_types.schema_versions(_schema(call).id))
    request = page_request(call, maximum=1000)
    page = page_of_items(found, request)
    body = envelope(
        call, "schema_versions", page, request, lambda v: render.schema_version(call, v)
    )
    return json(body)


async def version(call: Call) -> Response:
    return json(render.schema_version(call, _version(call)))


async def raw(call: Call) -> Response:
    found = _version(call)
    return json(stream_types.schema_document(found.id, found.schema_version))


routes = [
    Route("/v1/Schemas/{Id}", endpoint(fetch), methods=["GET"]),
    Route("/v1/Schemas/{Id}/Versions", endpoint(versions), methods=["GET"]),
    Route("/v1/Schemas/{Id}/Versions/{SchemaVersion}", endpoint(version), methods=["GET"]),
    Route("/v1/Schemas/{Id}/Versions/{SchemaVersion}/Raw", endpoint(raw), methods=["GET"]),
]
