"""Assembling the simulator: resources contribute routes; in-process use via ASGI."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from simulators.twilio import RESOURCES, create_simulator_app
from simulators.twilio.messages import MessagesResource
from simulators.twilio.resource import ACCOUNT_PATH, Resource
from tests.conftest import TWILIO_TEST_SID, TWILIO_TEST_TOKEN


class PingResource(Resource):
    """How another resource (e.g. Calls) plugs in: its own routes and records."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.pings = 0

    def routes(self) -> Sequence[BaseRoute]:
        return [Route(f"{ACCOUNT_PATH}/Ping.json", self.ping, methods=["POST"])]

    async def ping(self, request: Request) -> JSONResponse:
        denied = self.sim.authorize(request, request.path_params["account_sid"])
        if denied is not None:
            return denied
        self.pings += 1
        return JSONResponse({"pings": self.pings}, status_code=201)


async def test_resources_add_routes_and_share_auth() -> None:
    app = create_simulator_app(
        TWILIO_TEST_SID, TWILIO_TEST_TOKEN, resources=[*RESOURCES, PingResource]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        index = (await client.get("/")).json()
        assert index["resources"] == [*(cls.__name__ for cls in RESOURCES), "PingResource"]
        path = f"/2010-04-01/Accounts/{TWILIO_TEST_SID}/Ping.json"
        assert (await client.post(path)).status_code == 401
        response = await client.post(path, auth=(TWILIO_TEST_SID, TWILIO_TEST_TOKEN))
        assert response.json() == {"pings": 1}
        other = f"/2010-04-01/Accounts/AC{'1' * 32}/Ping.json"
        denied = await client.post(other, auth=(TWILIO_TEST_SID, TWILIO_TEST_TOKEN))
        assert (denied.status_code, denied.json()["code"]) == (404, 20404)
    sim = app.state.simulator
    assert sim.resource(PingResource).pings == 1
    assert sim.resource(MessagesResource).sent == []


async def test_messages_without_a_status_callback_post_nothing() -> None:
    app = create_simulator_app(TWILIO_TEST_SID, TWILIO_TEST_TOKEN)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        response = await client.post(
            f"/2010-04-01/Accounts/{TWILIO_TEST_SID}/Messages.json",
            data={"To": "+15551230000", "From": "+15550001111", "Body": "hi"},
            auth=(TWILIO_TEST_SID, TWILIO_TEST_TOKEN),
        )
    assert response.status_code == 201
    assert response.json()["status"] == "queued"
    assert app.state.simulator.callbacks == []
