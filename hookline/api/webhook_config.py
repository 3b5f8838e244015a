"""``/v1/Configuration/Webhooks`` and ``/v1/Services/{IS}/Configuration/Webhooks``."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import services, webhook_config
from hookline.domain.webhook_config import GLOBAL, ConfigUpdate
from hookline.types import Record
from hookline.web.call import Call, endpoint, json

FIELDS = ("PreWebhookUrl", "PostWebhookUrl", "Method", "Filters")


def render(call: Call, record: Record, service_sid: str) -> Record:
    body = dict(record)
    if service_sid == GLOBAL:
        body["url"] = f"{call.base_url}/v1/Configuration/Webhooks"
    else:
        body["url"] = f"{call.base_url}/v1/Services/{service_sid}/Configuration/Webhooks"
    return body


def _change(call: Call) -> ConfigUpdate:
    form = call.form
    return ConfigUpdate(
        pre_webhook_url=form.get("PreWebhookUrl"),
        post_webhook_url=form.get("PostWebhookUrl"),
        method=form.get("Method"),
        filters=form.getlist("Filters"),
        target=form.get("Target"),
    )


async def _scope(call: Call) -> str:
    if "ChatServiceSid" not in call.request.path_params:
        return GLOBAL
    sid = call.service_sid
    await services.get(call.rt, call.account.sid, sid)
    return sid


async def fetch(call: Call) -> Response:
    scope = await _scope(call)
    async with call.rt.store.read() as tx:
        record = await webhook_config.get(tx, call.account.sid, scope)
    return json(render(call, record, scope))


async def update(call: Call) -> Response:
    scope = await _scope(call)
    async with call.rt.store.transaction() as tx:
        record = await webhook_config.update(tx, call.account.sid, scope, _change(call))
    return json(render(call, record, scope))


routes = [
    Route("/v1/Configuration/Webhooks", endpoint(fetch), methods=["GET"]),
    Route("/v1/Configuration/Webhooks", endpoint(update, (*FIELDS, "Target")), methods=["POST"]),
    Route("/v1/Services/{ChatServiceSid}/Configuration/Webhooks", endpoint(fetch), methods=["GET"]),
    Route(
        "/v1/Services/{ChatServiceSid}/Configuration/Webhooks",
        endpoint(update, FIELDS),
        methods=["POST"],
    ),
]
