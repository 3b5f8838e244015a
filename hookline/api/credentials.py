"""``/v1/Credentials[/{CR}]``: push credentials. The secret parameters are write-only:
:func:`_fields` keeps only which of them were given, never their values."""

from __future__ import annotations

from hookline.domain import credentials
from hookline.domain.credentials import ALL_SECRETS, CredentialFields
from hookline.web import render
from hookline.web.forms import Form
from hookline.web.resource import Resource

FIELDS = ("Type", "FriendlyName", "Sandbox", *ALL_SECRETS)


def _fields(form: Form) -> CredentialFields:
    given = frozenset(name for name in ALL_SECRETS if form.get(name))
    return CredentialFields(form.get("Type"), form.get("FriendlyName"), form.get("Sandbox"), given)


resource = Resource(
    "/Credentials",
    "credentials",
    render.credential,
    scope="account",
    both_forms=False,
    create=credentials.create,
    create_fields=FIELDS,
    parse_create=_fields,
    fetch=credentials.get,
    update=credentials.update,
    update_fields=FIELDS,
    parse_update=_fields,
    delete=credentials.delete,
    listing=credentials.listing,
)
routes = resource.routes()
