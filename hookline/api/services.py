"""``/v1/Services`` and ``/v1/Configuration`` (the account's defaults)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import conversations, services
from hookline.web import render
from hookline.web.call import Call, endpoint, json
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


async def configuration(call: Call) -> Response:
    """Account defaults; hookline keeps no timers here, so they read as null."""
    base = f"{call.base_url}/v1/Configuration"
    return json(
        {
            "account_sid": call.account.sid,
            "default_chat_service_sid": call.account.default_service_sid,
            "default_messaging_service_sid": conversations.default_messaging_service_sid(
                call.account.sid
            ),
            "default_inactive_timer": None,
            "default_closed_timer": None,
            "url": base,
            "links": {"service": f"{base}/Webhooks", "webhooks": f"{base}/Webhooks"},
        }
    )


async def service_configuration(call: Call) -> Response:
    record = await services.configuration(call.rt, call.account.sid, call.service_sid)
    url = f"{call.base_url}/v1/Services/{call.service_sid}/Configuration"
    links = {"notifications": f"{url}/Notifications", "webhooks": f"{url}/Webhooks"}
    return json(record | {"url": url, "links": links})


routes = [
    *resource.routes(),
    Route("/v1/Configuration", endpoint(configuration), methods=["GET"]),
    Route(
        "/v1/Services/{ChatServiceSid}/Configuration",
        endpoint(service_configuration),
        methods=["GET"],
    ),
]
