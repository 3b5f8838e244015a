"""``/v1/Configuration/Webhooks`` and ``/v1/Services/{IS}/Configuration/Webhooks``."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import webhook_config
from hookline.domain.webhook_config import GLOBAL, ConfigUpdate
from hookline.web import render
from hookline.web.call import Call, endpoint, json

FIELDS = ("PreWebhookUrl", "PostWebhookUrl", "Method", "Filters")


def _scope(call: Call) -> str:
    return call.service_sid if "ChatServiceSid" in call.request.path_params else GLOBAL


async def fetch(call: Call) -> Response:
    record = await webhook_config.fetch(call.rt, call.account.sid, _scope(call))
    return json(render.webhook_config(call, record))


async def update(call: Call) -> Response:
    form = call.form
    change = ConfigUpdate(
        pre_webhook_url=form.get("PreWebhookUrl"),
        post_webhook_url=form.get("PostWebhookUrl"),
        method=form.get("Method"),
        filters=form.getlist("Filters"),
        target=form.get("Target"),
    )
    record = await webhook_config.change(call.rt, call.account.sid, _scope(call), change)
    return json(render.webhook_config(call, record))


SERVICE = "/v1/Services/{ChatServiceSid}/Configuration/Webhooks"
routes = [
    Route("/v1/Configuration/Webhooks", endpoint(fetch), methods=["GET"]),
    Route("/v1/Configuration/Webhooks", endpoint(update, (*FIELDS, "Target")), methods=["POST"]),
    Route(SERVICE, endpoint(fetch), methods=["GET"]),
    Route(SERVICE, endpoint(update, FIELDS), methods=["POST"]),
]
