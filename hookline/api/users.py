"""``/v1/[Services/{IS}/]Users[/{US or identity}]``."""

from __future__ import annotations

from starlette.responses import Response

from hookline.domain import services, users
from hookline.types import Record
from hookline.web.call import Call, both_forms, json, no_content
from hookline.web.paging import list_response

CREATE_FIELDS = ("Identity", "FriendlyName", "Attributes", "RoleSid")
UPDATE_FIELDS = ("FriendlyName", "Attributes", "RoleSid")
SHAPE = (
    "sid",
    "account_sid",
    "chat_service_sid",
    "role_sid",
    "identity",
    "friendly_name",
    "attributes",
    "is_online",
    "is_notifiable",
    "date_created",
    "date_updated",
)


def render(call: Call, record: Record) -> Record:
    url = f"{call.prefix}/Users/{record['sid']}"
    links = {"user_conversations": f"{url}/Conversations"}
    return {name: record.get(name) for name in SHAPE} | {"url": url, "links": links}


async def create(call: Call) -> Response:
    fields = call.form.pick(*CREATE_FIELDS)
    record = await users.create(call.rt, call.actor, call.account.sid, call.service_sid, fields)
    return json(render(call, record), 201)


async def fetch(call: Call) -> Response:
    async with call.rt.store.read() as tx:
        record = await users.find(tx, call.account.sid, call.service_sid, call.path("Sid"))
    return json(render(call, record))


async def update(call: Call) -> Response:
    fields = call.form.pick(*UPDATE_FIELDS)
    ids = (call.account.sid, call.service_sid, call.path("Sid"))
    record = await users.update(call.rt, call.actor, *ids, fields)
    return json(render(call, record))


async def delete(call: Call) -> Response:
    await users.delete(call.rt, call.account.sid, call.service_sid, call.path("Sid"))
    return no_content()


async def listing(call: Call) -> Response:
    await services.get(call.rt, call.account.sid, call.service_sid)
    where = {"account_sid": call.account.sid, "chat_service_sid": call.service_sid}
    body = await list_response(call, "user", where, "users", lambda r: render(call, r), maximum=50)
    return json(body)


routes = [
    *both_forms("/Users", create, "POST", CREATE_FIELDS),
    *both_forms("/Users", listing, "GET"),
    *both_forms("/Users/{Sid}", fetch, "GET"),
    *both_forms("/Users/{Sid}", update, "POST", UPDATE_FIELDS),
    *both_forms("/Users/{Sid}", delete, "DELETE"),
]
