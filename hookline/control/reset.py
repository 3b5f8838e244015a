"""``POST /_hookline/reset``: the calling account's data gone, the account and its default
service kept (see :mod:`hookline.domain.reset`)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain.reset import reset_account
from hookline.web.call import Call, endpoint, json


async def reset(call: Call) -> Response:
    await reset_account(call.rt, call.account)
    return json(
        {
            "account_sid": call.account.sid,
            "default_service_sid": call.account.default_service_sid,
        }
    )


routes = [Route("/_hookline/reset", endpoint(reset), methods=["POST"])]
