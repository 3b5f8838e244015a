"""``GET /_hookline/endpoints``: the receiver URLs this process's worker is sending to,
with their requests in flight and their slots (docs/delivery.md, "Fairness within a
host"): a slow URL's reduced slots, as the inspector's Endpoints tab shows them."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.web.call import Call, endpoint, json


async def listing(call: Call) -> Response:
    found = call.request.app.state.engine.endpoints(call.account.sid)
    worker = "here" if found is not None else "elsewhere"
    return json({"worker": worker, "endpoints": found or []})


routes = [Route("/_hookline/endpoints", endpoint(listing), methods=["GET"])]
