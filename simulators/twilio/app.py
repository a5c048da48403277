"""Assembling the simulator app from its resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from simulators.twilio.conferences import ConferencesResource
from simulators.twilio.content import ContentResource
from simulators.twilio.core import Simulator
from simulators.twilio.messages import MessagesResource
from simulators.twilio.recordings import RecordingsResource
from simulators.twilio.resource import Resource
from simulators.twilio.voice import CallsResource
from simulators.twilio.whatsapp import WhatsappResource

# The Twilio resources the simulator serves; add a class here to serve another.
RESOURCES: list[type[Resource]] = [
    MessagesResource,
    CallsResource,
    ConferencesResource,
    RecordingsResource,
    ContentResource,
    WhatsappResource,
]


def create_simulator_app(
    account_sid: str,
    auth_token: str,
    *,
    callback_delay: float = 0.02,
    resources: list[type[Resource]] | None = None,
) -> Starlette:
    """A Starlette app simulating one Twilio account; ``app.state.simulator`` is its
    ``Simulator`` (records, failure injection). For development and tests only."""
    sim = Simulator(account_sid, auth_token, callback_delay=callback_delay)
    routes: list[BaseRoute] = [Route("/", _index, methods=["GET"])]
    for cls in resources if resources is not None else RESOURCES:
        resource = cls(sim)
        sim.add(resource)
        routes.extend(resource.routes())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await sim.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.simulator = sim
    return app


async def _index(request: Request) -> JSONResponse:
    sim: Simulator = request.app.state.simulator
    return JSONResponse(
        {
            "simulator": "loopback Twilio (development and tests only)",
            "account_sid": sim.account_sid,
            "resources": [cls.__name__ for cls in sim.resources],
        }
    )
