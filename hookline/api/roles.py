"""``/v1/[Services/{IS}/]Roles[/{RL}]``."""

from __future__ import annotations

from hookline.domain import roles
from hookline.domain.roles import RoleFields
from hookline.web import render
from hookline.web.forms import Form
from hookline.web.resource import Resource

CREATE_FIELDS = ("FriendlyName", "Type", "Permission")
UPDATE_FIELDS = ("Permission",)


def _fields(form: Form) -> RoleFields:
    return RoleFields(form.get("FriendlyName"), form.get("Type"), form.getlist("Permission"))


resource = Resource(
    "/Roles",
    "roles",
    render.role,
    create=roles.create,
    create_fields=CREATE_FIELDS,
    parse_create=_fields,
    fetch=roles.get,
    update=roles.update,
    update_fields=UPDATE_FIELDS,
    parse_update=_fields,
    delete=roles.delete,
    listing=roles.listing,
    list_maximum=50,  # Twilio's spec: PageSize at most 50 for roles
)
routes = resource.routes()
