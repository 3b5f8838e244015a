"""``/v1/Configuration``: the account's defaults (default service, Messaging Service and
conversation timers)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import configuration
from hookline.web import render
from hookline.web.call import Call, endpoint, json

FIELDS = (
    "DefaultChatServiceSid",
    "DefaultMessagingServiceSid",
    "DefaultInactiveTimer",
    "DefaultClosedTimer",
)


async def fetch(call: Call) -> Response:
    record = await configuration.get(call.rt, call.account.sid)
    return json(render.configuration(call, record))


async def update(call: Call) -> Response:
    fields = call.form.fields(*FIELDS)
    record = await configuration.update(call.rt, call.actor, call.account.sid, fields)
    return json(render.configuration(call, record))


routes = [
    Route("/v1/Configuration", endpoint(fetch), methods=["GET"]),
    Route("/v1/Configuration", endpoint(update, FIELDS), methods=["POST"]),
]
