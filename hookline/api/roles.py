"""``/v1/[Services/{IS}/]Roles[/{RL}]``."""

from __future__ import annotations

from starlette.responses import Response

from hookline.domain import roles, services
from hookline.types import Record
from hookline.web.call import Call, both_forms, json, no_content
from hookline.web.paging import list_response

CREATE_FIELDS = ("FriendlyName", "Type", "Permission")
UPDATE_FIELDS = ("Permission",)


def render(call: Call, record: Record) -> Record:
    return record | {"url": f"{call.prefix}/Roles/{record['sid']}"}


async def create(call: Call) -> Response:
    record = await roles.create(
        call.rt,
        call.account.sid,
        call.service_sid,
        call.form.get("FriendlyName"),
        call.form.get("Type"),
        call.form.getlist("Permission"),
    )
    return json(render(call, record), 201)


async def fetch(call: Call) -> Response:
    async with call.rt.store.read() as tx:
        record = await roles.find(tx, call.account.sid, call.service_sid, call.path("Sid"))
    return json(render(call, record))


async def update(call: Call) -> Response:
    record = await roles.update(
        call.rt,
        call.account.sid,
        call.service_sid,
        call.path("Sid"),
        call.form.getlist("Permission"),
    )
    return json(render(call, record))


async def delete(call: Call) -> Response:
    await roles.delete(call.rt, call.account.sid, call.service_sid, call.path("Sid"))
    return no_content()


async def listing(call: Call) -> Response:
    await services.get(call.rt, call.account.sid, call.service_sid)
    body = await list_response(
        call,
        "role",
        {"account_sid": call.account.sid, "chat_service_sid": call.service_sid},
        "roles",
        lambda r: render(call, r),
    )
    return json(body)


routes = [
    *both_forms("/Roles", create, "POST", CREATE_FIELDS),
    *both_forms("/Roles", listing, "GET"),
    *both_forms("/Roles/{Sid}", fetch, "GET"),
    *both_forms("/Roles/{Sid}", update, "POST", UPDATE_FIELDS),
    *both_forms("/Roles/{Sid}", delete, "DELETE"),
]
