"""Twilio Event Streams (Events v1, ``https://events.twilio.com/v1/…``) at this server.

One module per resource, as in :mod:`hookline.api`: sinks (with Test and Validate),
subscriptions, their subscribed events, and the read-only types and schemas. The paths
(``/v1/Sinks``, ``/v1/Subscriptions``, ``/v1/Types``, ``/v1/Schemas``) overlap none of the
Conversations API's, so both live at the same origin.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from hookline.events_api import schemas, sinks, subscribed_events, subscriptions, types


def routes() -> list[BaseRoute]:
    return [
        *sinks.routes,
        *subscribed_events.routes,
        *subscriptions.routes,
        *types.routes,
        *schemas.routes,
    ]
