"""``/v1/[Services/{IS}/]Users/{US or identity}/Conversations[/{CH or UniqueName}]``:
the user's participations, derived from participants and conversations."""

from __future__ import annotations

from hookline.domain import memberships
from hookline.web import render
from hookline.web.resource import Resource

UPDATE_FIELDS = ("NotificationLevel", "LastReadTimestamp", "LastReadMessageIndex")

resource = Resource(
    "/Users/{UserSid}/Conversations",
    "conversations",
    render.user_conversation,
    fetch=memberships.of_user,
    update=memberships.update_of_user,
    update_fields=UPDATE_FIELDS,
    delete=memberships.leave,
    listing=memberships.of_user_listing,
    list_maximum=50,
)
routes = resource.routes()
