"""``/v1/Services/{IS}/Bindings[/{BS}]``: list (filtered by repeatable ``BindingType`` and
``Identity``), fetch, delete. ``/_hookline/Services/{IS}/Bindings`` creates them
(:mod:`hookline.control.bindings`)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import bindings
from hookline.web import render
from hookline.web.call import Call, endpoint, json
from hookline.web.paging import envelope, page_request
from hookline.web.resource import Resource

resource = Resource(
    "/Bindings",
    "bindings",
    render.binding,
    service_form_only=True,
    fetch=bindings.get,
    delete=bindings.delete,
)


async def listing(call: Call) -> Response:
    kinds = call.form.getlist("BindingType") or []
    identities = call.form.getlist("Identity") or []
    request = page_request(call)
    page = await bindings.listing(
        call.rt, call.account.sid, call.service_sid, kinds, identities, request
    )
    given: dict[str, str | list[str]] = {}
    if kinds:
        given["BindingType"] = kinds
    if identities:
        given["Identity"] = identities
    body = envelope(call, "bindings", page, request, lambda r: render.binding(call, r), given)
    return json(body)


routes = [
    Route("/v1/Services/{ChatServiceSid}/Bindings", endpoint(listing), methods=["GET"]),
    *resource.routes(),
]
