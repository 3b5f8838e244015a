"""``/v1/Sinks[/{Sid}]``, ``/v1/Sinks/{Sid}/Test`` and ``/v1/Sinks/{Sid}/Validate``."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import sinks
from hookline.events_api import render
from hookline.web.call import Call, endpoint, json
from hookline.web.forms import Form
from hookline.web.resource import Resource


def _fields(form: Form) -> sinks.SinkFields:
    return sinks.SinkFields(**form.fields("Description", "SinkConfiguration", "SinkType"))


resource = Resource(
    "/Sinks",
    "sinks",
    render.sink,
    scope="account",
    both_forms=False,
    create=sinks.create,
    create_fields=("Description", "SinkConfiguration", "SinkType"),
    parse_create=_fields,
    fetch=sinks.get,
    update=sinks.update,
    update_fields=("Description",),
    parse_update=_fields,
    delete=sinks.delete,
    listing=sinks.listing,
    list_filters=("InUse", "Status"),
    list_maximum=1000,
)


async def test(call: Call) -> Response:
    answer = await sinks.test(call.rt, call.actor, call.account.sid, call.path("Sid"), None)
    return json(answer, 201)


async def validate(call: Call) -> Response:
    fields = call.form.fields("TestId")
    answer = await sinks.validate(call.rt, call.actor, call.account.sid, call.path("Sid"), fields)
    return json(answer, 201)


routes = [
    Route("/v1/Sinks/{Sid}/Test", endpoint(test), methods=["POST"]),
    Route("/v1/Sinks/{Sid}/Validate", endpoint(validate, ("TestId",)), methods=["POST"]),
    *resource.routes(),
]
