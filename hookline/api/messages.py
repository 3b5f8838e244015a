"""``/v1/[Services/{IS}/]Conversations/{CH}/Messages[/{IM}]``."""

from __future__ import annotations

from hookline.domain import messages
from hookline.web import render
from hookline.web.resource import Resource

CREATE_FIELDS = (
    "Author",
    "Body",
    "DateCreated",
    "DateUpdated",
    "Attributes",
    "MediaSid",
    "ContentSid",
    "ContentVariables",
    "Subject",
)
UPDATE_FIELDS = ("Author", "Body", "DateCreated", "DateUpdated", "Attributes", "Subject")

resource = Resource(
    "/Conversations/{ConversationSid}/Messages",
    "messages",
    render.message,
    create=messages.create,
    create_fields=CREATE_FIELDS,
    fetch=messages.get,
    update=messages.update,
    update_fields=UPDATE_FIELDS,
    delete=messages.delete,
    listing=messages.listing,
    list_filters=("Order",),
)
routes = resource.routes()
