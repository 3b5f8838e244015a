"""``/v1/Services`` and ``/v1/Configuration`` (the account's defaults)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import conversations, roles, services
from hookline.types import Record
from hookline.web.call import Call, endpoint, json, no_content
from hookline.web.paging import list_response


def render(call: Call, record: Record) -> Record:
    url = f"{call.base_url}/v1/Services/{record['sid']}"
    links = {
        name: f"{url}/{path}"
        for name, path in (
            ("conversations", "Conversations"),
            ("users", "Users"),
            ("roles", "Roles"),
            ("bindings", "Bindings"),
            ("configuration", "Configuration"),
            ("participant_conversations", "ParticipantConversations"),
        )
    }
    return record | {"url": url, "links": links}


async def create(call: Call) -> Response:
    record = await services.create(call.rt, call.account.sid, call.form.get("FriendlyName"))
    return json(render(call, record), 201)


async def fetch(call: Call) -> Response:
    record = await services.get(call.rt, call.account.sid, call.path("Sid"))
    return json(render(call, record))


async def listing(call: Call) -> Response:
    where = {"account_sid": call.account.sid}
    return json(await list_response(call, "service", where, "services", lambda r: render(call, r)))


async def delete(call: Call) -> Response:
    await services.delete(
        call.rt, call.account.sid, call.path("Sid"), call.account.default_service_sid
    )
    return no_content()


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
    sid = call.service_sid
    async with call.rt.store.read() as tx:
        await services.get_in(tx, call.account.sid, sid)
        creator = await roles.default_role_sid(tx, sid, "channel admin")
        member = await roles.default_role_sid(tx, sid, "channel user")
        service_role = await roles.default_role_sid(tx, sid, "service user")
    url = f"{call.base_url}/v1/Services/{sid}/Configuration"
    return json(
        {
            "chat_service_sid": sid,
            "default_conversation_creator_role_sid": creator,
            "default_conversation_role_sid": member,
            "default_chat_service_role_sid": service_role,
            "url": url,
            "links": {"notifications": f"{url}/Notifications", "webhooks": f"{url}/Webhooks"},
            "reachability_enabled": False,
        }
    )


routes = [
    Route("/v1/Services", endpoint(create, ("FriendlyName",)), methods=["POST"]),
    Route("/v1/Services", endpoint(listing), methods=["GET"]),
    Route("/v1/Services/{Sid}", endpoint(fetch), methods=["GET"]),
    Route("/v1/Services/{Sid}", endpoint(delete), methods=["DELETE"]),
    Route("/v1/Configuration", endpoint(configuration), methods=["GET"]),
    Route(
        "/v1/Services/{ChatServiceSid}/Configuration",
        endpoint(service_configuration),
        methods=["GET"],
    ),
]
