"""Builds the ASGI app: settings → store → runtime → delivery → routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from hookline import clock as clocks
from hookline import metrics
from hookline import sids as sid_sources
from hookline.api import (
    address_configurations,
    bindings,
    configuration,
    conversation_with_participants,
    conversations,
    credentials,
    messages,
    participant_conversations,
    participants,
    receipts,
    roles,
    scoped_webhooks,
    service_configuration,
    services,
    user_conversations,
    users,
    webhook_config,
)
from hookline.control import act, faults, inbound
from hookline.control import bindings as control_bindings
from hookline.control import clock as control_clock
from hookline.control import routes as control_routes
from hookline.delivery.leader import DeliveryLeader
from hookline.domain import accounts
from hookline.domain.accounts import Account
from hookline.domain.runtime import Runtime
from hookline.events_api import routes as events_api_routes
from hookline.settings import Settings
from hookline.store import open_store
from hookline.web.errors import HANDLERS, AnswerErrors
from hookline.web.origin_guard import (
    HostPolicy,
    OriginGuard,
    default_allowed_hosts,
    parse_allowed_hosts,
)

if TYPE_CHECKING:
    from hookline.delivery.engine import DeliveryEngine

log = logging.getLogger("hookline")


@dataclass
class Started:
    """What the banner prints once the app is up."""

    account: Account
    runtime: Runtime


def api_routes() -> list[BaseRoute]:
    # Starlette tries routes in order and no two paths here overlap: the busiest (messages)
    # go first, so posting one does not first try some twenty other patterns.
    return [
        *messages.routes,
        *address_configurations.routes,
        *webhook_config.routes,
        *services.routes,
        *scoped_webhooks.routes,
        *receipts.routes,
        *participants.routes,
        *conversation_with_participants.routes,
        *conversations.routes,
        *participant_conversations.routes,
        *user_conversations.routes,
        *users.routes,
        *roles.routes,
        *configuration.routes,
        *service_configuration.routes,
        *credentials.routes,
        *bindings.routes,
        *control_routes.routes,
        *control_bindings.routes,
        *control_clock.routes,
        *act.routes,
        *inbound.routes,
        *faults.routes,
        *events_api_routes(),  # Events v1 (events.twilio.com): /v1/Sinks, /v1/Subscriptions …
    ]


def _clock(settings: Settings) -> clocks.Clock:
    if settings.manual_clock:
        return clocks.ManualClock(clocks.SystemClock().now())
    return clocks.SystemClock()


def create_app(
    settings: Settings,
    *,
    clock: clocks.Clock | None = None,
    sids: sid_sources.SidSource | None = None,
    on_start: list[Started] | None = None,
) -> Starlette:
    """``on_start`` receives the bootstrap account once the lifespan has run (banner, tests)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = await open_store(settings.database_url)
        runtime = Runtime(
            store=store,
            clock=clock or _clock(settings),
            sids=sids or sid_sources.RandomSids(),
        )
        account = await accounts.ensure(runtime, settings.account_sid, settings.auth_token)
        from hookline.delivery.engine import DeliveryEngine

        engine = DeliveryEngine(runtime, settings)
        runtime.sink = engine
        app.state.runtime = runtime
        app.state.engine = engine
        app.state.public_url = settings.public_url
        app.state.settings = settings
        if on_start is not None:
            on_start.append(Started(account, runtime))
        leader = _delivery_leader(settings, engine)
        await engine.start(
            run_worker=settings.worker and (leader is None or leader.leads), own_thread=True
        )
        try:
            yield
        finally:
            await engine.stop()
            if leader is not None:
                leader.close()
            await store.close()

    return Starlette(
        routes=api_routes(),
        exception_handlers=HANDLERS,
        lifespan=lifespan,
        # AnswerErrors inside RequestMetrics (an unexpected error's 500 is counted too) and
        # around everything else.
        middleware=[
            Middleware(metrics.RequestMetrics),
            Middleware(AnswerErrors),
            Middleware(OriginGuard, hosts=host_policy(settings), public_url=settings.public_url),
        ],
    )


def _delivery_leader(settings: Settings, engine: DeliveryEngine) -> DeliveryLeader | None:
    """Under ``serve --workers``, one process delivers; the others wake it."""
    if settings.supervisor_dir is None or not settings.worker:
        return None
    leader = DeliveryLeader(settings.supervisor_dir)
    if leader.try_lead():
        leader.listen(engine.wake_worker)
        log.info("this process (pid %d) delivers post-events", os.getpid())
    else:
        engine.wake_elsewhere(leader.wake_leader)
    return leader


def host_policy(settings: Settings) -> HostPolicy:
    """The ``Host`` names served: the server's own names, and ``--allowed-hosts``."""
    hosts = default_allowed_hosts(settings.host, settings.public_url)
    if settings.allowed_hosts:
        hosts += parse_allowed_hosts(settings.allowed_hosts)
    return HostPolicy(hosts)


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """A delivery-only process: the engine's worker and timers, no HTTP, until ``stop``."""
    from hookline.delivery.engine import DeliveryEngine

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    store = await open_store(settings.database_url)
    runtime = Runtime(store=store)
    engine = DeliveryEngine(runtime, settings)
    runtime.sink = engine
    await engine.start(run_worker=True)
    try:
        await stop.wait()
    finally:
        await engine.stop()
        await store.close()
