"""``/v1/Services`` (their configuration: :mod:`hookline.api.service_configuration`)."""

from __future__ import annotations

from hookline.domain import services
from hookline.web import render
from hookline.web.resource import Resource

resource = Resource(
    "/Services",
    "services",
    render.service,
    scope="account",
    both_forms=False,
    create=services.create,
    create_fields=("FriendlyName",),
    fetch=services.get,
    delete=services.delete,
    listing=services.listing,
)


routes = resource.routes()
