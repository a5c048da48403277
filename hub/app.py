"""The app is assembled here and only here: routes, middleware, socket.io, lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import socketio
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from connectors.registry import connector_classes
from hub.core import Hub
from hub.errors import HubError
from hub.policies.csat_survey import install_csat
from hub.policies.out_of_hours import install_out_of_hours
from hub.policies.shop_sync import install_commerce
from hub.policies.subscriptions import install_subscriptions
from hub.port import HubPort
from hub.realtime.agents import AgentNamespace
from hub.realtime.fanout import Fanout
from hub.realtime.presence import SharedPresence
from hub.realtime.server import close_sio, create_sio
from hub.settings import Settings
from hub.web.api import api_routes
from hub.web.callbacks import CallbackDispatch
from hub.web.console import console_routes
from hub.web.errors import database_error_handler, http_error_handler, hub_error_handler
from hub.web.health import healthz
from hub.web.middleware import (
    CookieSessionMiddleware,
    LimitBodyMiddleware,
    SecurityHeadersMiddleware,
)
from hub.web.sessions import SESSION_COOKIE, SESSION_MAX_AGE
from hub.web.throttle import LoginThrottle
from hub.workers.outbox import OutboxWorker
from hub.workers.retention import DeliveryLogPruner, schedule_recording_purge

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, run_outbox: bool | None = None) -> ASGIApp:
    """Build the hub's ASGI app for ``settings`` (default: from the environment).

    Returns the socket.io ASGI wrapper around the Starlette app; ``app.state`` and
    ``hub`` are reachable as ``starlette_app.state.hub``. ``run_outbox`` defaults to
    ``settings.outbox_enabled``.
    """
    settings = settings or Settings.from_env()
    hub = Hub(settings)
    sio = create_sio(settings)
    agents = AgentNamespace(hub)
    sio.register_namespace(agents)
    hub.presence = agents.online_agent_ids
    presence = None
    if settings.redis_url:  # scale-out: agents online in any process
        presence = SharedPresence(
            agents.online_agent_ids, settings.redis_url, settings.redis_channel
        )
        agents.presence_changed = presence.changed
        hub.presence = presence
    hub.subscribe(Fanout(sio, hub))
    hub.subscribe(agents.on_domain_event)

    port = HubPort(hub)
    connectors = [cls(port) for cls in connector_classes()]
    for connector in connectors:
        hub.add_connector(connector)
        for namespace in connector.namespaces():
            sio.register_namespace(namespace)
        hub.subscribe(connector.on_event)

    # Outbound subscriptions, CSAT surveys, the shop's backfill and the out-of-hours
    # reply react to what committed, whatever the channel.
    install_subscriptions(hub)
    install_csat(hub)
    install_out_of_hours(hub)
    install_commerce(hub)

    outbox = OutboxWorker(hub)
    pruner = DeliveryLogPruner(hub)
    outbox_on = settings.outbox_enabled if run_outbox is None else run_outbox

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for connector in connectors:
            await connector.startup()
        if presence is not None:
            await presence.start()
        # Daily purge of old call recordings and transcripts, through the outbox.
        await schedule_recording_purge(hub)
        agents.start_sweeping()
        if outbox_on:
            hub.outbox_wakeup = outbox.wake
            outbox.start()
            pruner.start()
        try:
            yield
        finally:
            await agents.stop_sweeping()
            await pruner.stop()
            if outbox_on:
                await outbox.stop()
            for connector in connectors:
                await connector.shutdown()
            if presence is not None:
                await presence.stop()
            await close_sio(sio)
            await hub.dispose()

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"])]
    callbacks: list[Route] = []
    for connector in connectors:
        routes.extend(connector.routes())
        callbacks.extend(connector.provider_callbacks())
    routes.extend(callbacks)  # other methods on their paths get the router's answer
    routes.append(Mount("/api/v1", routes=api_routes()))
    routes.extend(console_routes())
    routes.append(
        # Package data (hub/static), found through the package wherever it is installed.
        Mount("/static", app=StaticFiles(packages=[("hub", "static")]), name="static")
    )

    middleware = [
        Middleware(SecurityHeadersMiddleware, hsts=settings.public_url.startswith("https://")),
        Middleware(LimitBodyMiddleware, max_bytes=settings.max_body_bytes),
        Middleware(
            CookieSessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_MAX_AGE,
            same_site="lax",
            https_only=settings.session_cookie_secure,
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            HubError: hub_error_handler,
            HTTPException: http_error_handler,
            DBAPIError: database_error_handler,
            ConnectionError: database_error_handler,  # asyncpg's connect, unwrapped
        },
    )
    app.state.hub = hub
    app.state.sio = sio
    app.state.agents = agents
    app.state.outbox = outbox
    app.state.settings = settings

    async def drain() -> None:
        """Close every socket.io session, at the start of a shutdown: browsers and agents
        see their transport close and reconnect (through the proxy, to a process that
        stays) instead of waiting on a long-poll this process would hold open."""
        # Not eio.disconnect(): it waits for each close packet to be fetched, which a
        # polling client that went away never does.
        for session in list(sio.eio.sockets.values()):
            await session.close(wait=False, reason=sio.eio.reason.SERVER_DISCONNECT)

    app.state.login_throttle = LoginThrottle(hub.counters, settings.secret_key)
    asgi = socketio.ASGIApp(sio, other_asgi_app=app, socketio_path="socket.io")
    asgi.state = app.state  # type: ignore[attr-defined]
    asgi.starlette = app  # type: ignore[attr-defined]
    asgi.drain = drain  # type: ignore[attr-defined]  # hub.web.server.HubServer calls it
    # Provider webhooks skip socket.io, sessions and the router (hub.web.callbacks).
    return CallbackDispatch(
        asgi,
        callbacks,
        max_bytes=settings.max_body_bytes,
        hsts=settings.public_url.startswith("https://"),
    )
