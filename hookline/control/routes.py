"""``/_hookline/…`` endpoints (Basic auth, same credentials as ``/v1``)."""

from __future__ import annotations

import asyncio
import os

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hookline import metrics
from hookline.control import deliveries, endpoints, inspector, receipts, reset
from hookline.control.cursor import after_and_limit, newest_first
from hookline.domain import deliveries as deliveries_domain
from hookline.domain import event_log
from hookline.domain import flows as studio_flows
from hookline.exceptions import DatabaseUnavailable
from hookline.web.call import Call, endpoint, json, no_content

#: Seconds the health check and a scrape wait for the database before calling it down.
DATABASE_CHECK_SECONDS = 5.0


async def _backlog(request: Request) -> int | str:
    """The outbox backlog (which needs the database), or why the database did not answer:
    ``unavailable`` or ``timeout``."""
    try:
        return await asyncio.wait_for(
            deliveries_domain.backlog(request.app.state.runtime), DATABASE_CHECK_SECONDS
        )
    except DatabaseUnavailable:
        return "unavailable"
    except TimeoutError:
        return "timeout"


async def health(request: Request) -> Response:
    """No auth. 503 when the database cannot be reached (``database`` says why), or when
    this process's delivery worker has died (its deliveries would wait forever).
    ``backlog``: deliveries waiting or being sent; ``pid``: the answering process."""
    worker = request.app.state.engine.worker_state()
    backlog = await _backlog(request)
    database = "ok" if isinstance(backlog, int) else backlog
    status = "ok"
    if database != "ok":
        status = "database unavailable"
    elif worker == "dead":
        status = "worker dead"
    body = {
        "status": status,
        "database": database,
        "worker": worker,
        "backlog": backlog if isinstance(backlog, int) else None,
        "pid": os.getpid(),
    }
    return JSONResponse(body, status_code=200 if status == "ok" else 503)


async def prometheus(request: Request) -> Response:
    """``GET /metrics`` (no auth, as Prometheus scrapes): this process's metrics. Always
    200: with the database down, ``hookline_database_up`` is 0 (and the backlog gauge
    keeps its last value)."""
    backlog = await _backlog(request)
    body, content_type = metrics.exposition(backlog if isinstance(backlog, int) else None)
    return Response(body, headers={"Content-Type": content_type})


async def events(call: Call) -> Response:
    after, limit = after_and_limit(call)
    filters = {
        "event_type": call.form.get("EventType"),
        "conversation_sid": call.form.get("ConversationSid"),
    }
    wanted = {column: value for column, value in filters.items() if value}
    items, next_after = await event_log.page(
        call.rt, call.account.sid, after, limit, wanted, descending=newest_first(call)
    )
    return json({"events": items, "next_after": next_after})


async def flows(call: Call) -> Response:
    return json({"flows": await studio_flows.all_flows(call.rt, call.account.sid)})


async def map_flow(call: Call) -> Response:
    flow = call.path("FlowSid")
    return json(await studio_flows.map_flow(call.rt, call.account.sid, flow, call.form.get("Url")))


async def unmap_flow(call: Call) -> Response:
    await studio_flows.unmap_flow(call.rt, call.account.sid, call.path("FlowSid"))
    return no_content()


routes = [
    Route("/_hookline/health", health, methods=["GET"]),
    Route("/metrics", prometheus, methods=["GET"]),
    Route("/_hookline/events", endpoint(events), methods=["GET"]),
    Route("/_hookline/flows", endpoint(flows), methods=["GET"]),
    Route("/_hookline/flows/{FlowSid}", endpoint(map_flow, ("Url",)), methods=["POST"]),
    Route("/_hookline/flows/{FlowSid}", endpoint(unmap_flow), methods=["DELETE"]),
    *deliveries.routes,
    *endpoints.routes,
    *receipts.routes,
    *reset.routes,
    *inspector.routes,
]
