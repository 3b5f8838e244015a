"""``GET /v1/[Services/{IS}/]ParticipantConversations?Identity=…|Address=…``: every
conversation of the service one chat identity or one messaging address takes part in."""

from __future__ import annotations

from hookline.domain import memberships
from hookline.web import render
from hookline.web.resource import Resource

resource = Resource(
    "/ParticipantConversations",
    "conversations",
    render.participant_conversation,
    listing=memberships.of_participant_listing,
    # The filter stays in the page URLs, or the SDK's next page would lose it.
    list_filters=("Identity", "Address"),
    list_maximum=50,
)
routes = resource.routes()
