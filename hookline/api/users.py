"""``/v1/[Services/{IS}/]Users[/{US or identity}]``."""

from __future__ import annotations

from hookline.domain import users
from hookline.web import render
from hookline.web.resource import Resource

CREATE_FIELDS = ("Identity", "FriendlyName", "Attributes", "RoleSid")
UPDATE_FIELDS = ("FriendlyName", "Attributes", "RoleSid")

resource = Resource(
    "/Users",
    "users",
    render.user,
    create=users.create,
    create_fields=CREATE_FIELDS,
    fetch=users.get,
    update=users.update,
    update_fields=UPDATE_FIELDS,
    delete=users.delete,
    listing=users.listing,
    list_maximum=50,
)
routes = resource.routes()
