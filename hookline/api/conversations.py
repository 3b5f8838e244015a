"""``/v1/Conversations`` and ``/v1/Services/{IS}/Conversations``."""

from __future__ import annotations

from hookline.domain import conversations
from hookline.web import render
from hookline.web.resource import Resource

FIELDS = (
    "FriendlyName",
    "UniqueName",
    "DateCreated",
    "DateUpdated",
    "MessagingServiceSid",
    "Attributes",
    "State",
    "Timers.Inactive",
    "Timers.Closed",
    "Bindings.Email.Address",
    "Bindings.Email.Name",
)

resource = Resource(
    "/Conversations",
    "conversations",
    render.conversation,
    create=conversations.create,
    create_fields=FIELDS,
    fetch=conversations.get,
    update=conversations.update,
    update_fields=FIELDS,
    delete=conversations.delete,
    listing=conversations.listing,
    list_filters=("State",),
)
routes = resource.routes()
