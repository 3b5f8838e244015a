"""``/v1/[Services/{IS}/]Conversations/{CH}/Participants[/{MB}]``."""

from __future__ import annotations

from hookline.domain import participants
from hookline.web import render
from hookline.web.resource import Resource

CREATE_FIELDS = (
    "Identity",
    "MessagingBinding.Address",
    "MessagingBinding.ProxyAddress",
    "MessagingBinding.ProjectedAddress",
    "DateCreated",
    "DateUpdated",
    "Attributes",
    "RoleSid",
)
UPDATE_FIELDS = (
    "DateCreated",
    "DateUpdated",
    "Attributes",
    "RoleSid",
    "MessagingBinding.ProxyAddress",
    "MessagingBinding.ProjectedAddress",
    "Identity",
    "LastReadMessageIndex",
    "LastReadTimestamp",
)

resource = Resource(
    "/Conversations/{ConversationSid}/Participants",
    "participants",
    render.participant,
    create=participants.create,
    create_fields=CREATE_FIELDS,
    fetch=participants.get,
    update=participants.update,
    update_fields=UPDATE_FIELDS,
    delete=participants.delete,
    listing=participants.listing,
)
routes = resource.routes()
