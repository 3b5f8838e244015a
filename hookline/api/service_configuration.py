"""``/v1/Services/{IS}/Configuration`` (default roles, reachability) and its
``/Notifications`` (push notification settings)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import notifications, service_configuration
from hookline.web import render
from hookline.web.call import Call, endpoint, json

FIELDS = (
    "DefaultConversationCreatorRoleSid",
    "DefaultConversationRoleSid",
    "DefaultChatServiceRoleSid",
    "ReachabilityEnabled",
)
NOTIFICATION_FIELDS = tuple(notifications.PARAMETERS)
PATH = "/v1/Services/{ChatServiceSid}/Configuration"


async def fetch(call: Call) -> Response:
    record = await service_configuration.get(call.rt, call.account.sid, call.service_sid)
    return json(render.service_configuration(call, record))


async def update(call: Call) -> Response:
    fields = call.form.fields(*FIELDS)
    record = await service_configuration.update(
        call.rt, call.actor, call.account.sid, call.service_sid, fields
    )
    return json(render.service_configuration(call, record))


async def fetch_notifications(call: Call) -> Response:
    record = await notifications.get(call.rt, call.account.sid, call.service_sid)
    return json(render.notifications(call, record))


async def update_notifications(call: Call) -> Response:
    given = {
        name: value for name in NOTIFICATION_FIELDS if (value := call.form.get(name)) is not None
    }
    record = await notifications.update(
        call.rt, call.actor, call.account.sid, call.service_sid, given
    )
    return json(render.notifications(call, record))


routes = [
    Route(PATH, endpoint(fetch), methods=["GET"]),
    Route(PATH, endpoint(update, FIELDS), methods=["POST"]),
    Route(f"{PATH}/Notifications", endpoint(fetch_notifications), methods=["GET"]),
    Route(
        f"{PATH}/Notifications",
        endpoint(update_notifications, NOTIFICATION_FIELDS),
        methods=["POST"],
    ),
]
