"""Phone test helpers: signed Twilio Voice webhooks, logged-in agent consoles, TwiML parsing."""

from __future__ import annotations

import asyncio
import json
import secrets
import xml.etree.ElementTree as ET
from base64 import b64encode
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
import socketio
from itsdangerous import TimestampSigner

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.actions.inbound import receive_inbound
from hub.actions.routing import set_voice_route
from hub.actions.staff import create_agent
from hub.app import create_app
from hub.core import Hub
from hub.models import Store
from hub.settings import Settings
from hub.types import Inbound
from hub.web.sessions import SESSION_COOKIE
from simulators.twilio import Simulator, serve_simulator
from simulators.twilio.voice import CallsResource, SimulatedCall
from tests.conftest import (
    TWILIO_TEST_SID,
    TWILIO_TEST_TOKEN,
    LiveServer,
    agent_session_cookie,
    live_server,
    running_app,
)

WAIT = 5.0


def session_cookie(data: dict[str, Any], secret_key: str) -> str:
    """The ``hub_session`` cookie value Starlette's SessionMiddleware would set."""
    payload = b64encode(json.dumps(data).encode("utf-8"))
    return TimestampSigner(secret_key).sign(payload).decode("utf-8")


def cookie_header(data: dict[str, Any], secret_key: str) -> str:
    return f"{SESSION_COOKIE}={session_cookie(data, secret_key)}"


async def make_agent(
    hub: Hub, name: str, *, route: str = "client", address: str | None = None
) -> int:
    email = f"{name.lower()}-{secrets.token_hex(3)}@example.com"
    async with hub.uow() as uow:
        agent = await create_agent(uow, email, name, "correct horse battery")
        if route != "client":
            await set_voice_route(uow, agent.id, route, address, actor="test")
    return agent.id


class Twilio:
    """Posts form webhooks to the hub signed with the test auth token, as Twilio does."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self.http = http
        self.settings = settings

    async def post(
        self, path: str, params: dict[str, str], *, signature: str | None = None
    ) -> httpx.Response:
        url = self.settings.public_url.rstrip("/") + path
        headers = {SIGNATURE_HEADER: signature or sign(self.settings, url, params)}
        return await self.http.post(path, data=params, headers=headers)

    async def call(
        self, call_sid: str, caller: str, path: str = "/twilio/voice", **extra: str
    ) -> httpx.Response:
        params = {
            "CallSid": call_sid,
            "AccountSid": self.settings.twilio_account_sid or "",
            "From": caller,
            "To": self.settings.twilio_voice_number or "",
            "CallStatus": "ringing",
            "Direction": "inbound",
            **extra,
        }
        return await self.post(path, params)

    async def status(
        self, call_sid: str, status: str, caller: str = "+15557770000", **extra: str
    ) -> httpx.Response:
        return await self.call(call_sid, caller, "/twilio/voice/status", CallStatus=status, **extra)


def twiml(response: httpx.Response) -> ET.Element:
    """The TwiML document of a 200 ``text/xml`` answer."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return root


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


class Console:
    """One agent console tab: the ``/agent`` namespace with a logged-in session cookie."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url = url
        self.cookie = cookie
        self.client = socketio.AsyncClient(reconnection=False)
        self.queues: dict[str, asyncio.Queue[Any]] = {}
        for name in ("call.incoming", "event.created", "event.updated"):
            self.queues[name] = asyncio.Queue()
            self.client.on(name, self._recorder(name), namespace="/agent")

    def _recorder(self, name: str) -> Callable[[Any], Any]:
        async def record(data: Any) -> None:
            await self.queues[name].put(data)

        return record

    async def connect(self) -> None:
        await self.client.connect(
            self.url,
            namespaces=["/agent"],
            transports=["websocket"],
            headers={"Cookie": self.cookie, "Origin": self.url},
            wait_timeout=WAIT,
        )

    async def next(self, name: str) -> Any:
        return await asyncio.wait_for(self.queues[name].get(), WAIT)

    def pending(self, name: str) -> int:
        return self.queues[name].qsize()


class PhoneLab:
    """A live hub on loopback with signed Twilio webhooks and agent consoles."""

    def __init__(
        self, live: LiveServer, http: httpx.AsyncClient, sim: Simulator | None = None
    ) -> None:
        self.live = live
        self.sim = sim
        self.hub = live.hub
        self.settings = live.settings
        self.twilio = Twilio(http, live.settings)
        self.http = http
        self.consoles: list[Console] = []

    async def online(self, agent_id: int) -> Console:
        """Open ``agent_id``'s console (the agent becomes present)."""
        console = Console(self.live.url, (await agent_session_cookie(self.hub, agent_id))[0])
        await console.connect()
        self.consoles.append(console)
        for _ in range(100):
            if agent_id in self.hub.presence():
                break
            await asyncio.sleep(0.01)
        return console


async def queued_call(hub: Hub, call_sid: str, phone: str, at: datetime | None = None) -> None:
    """A call from ``phone`` routed to the queue (arrived ``at``, default now)."""
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="phone",
                kind="phone",
                address=phone,
                body="Incoming call",
                provider_id=call_sid,
                type="call",
                status="ringing",
                data={"route": {"mode": "queue", "agent_id": None, "sticky": False}},
            ),
        )
        if at is not None:
            received.event.created_at = at


async def rung(lab: PhoneLab, count: int) -> list[SimulatedCall]:
    """The calls the hub placed through the simulator, once there are ``count``."""
    assert lab.sim is not None
    calls = lab.sim.resource(CallsResource).calls
    for _ in range(250):
        placed = [c for c in calls if c.direction == "outbound-api"]
        if len(placed) >= count:
            return placed
        await asyncio.sleep(0.02)
    raise AssertionError(f"the hub placed {len(placed)} calls, not {count}")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The in-process app without the outbox worker: calls send nothing through it, and a
    worker cancelled mid-connect at shutdown can outlive a test's event loop."""
    application = create_app(settings, run_outbox=False)
    async with running_app(application):
        yield application


STORE_PHONE = "+15553001000"


@pytest.fixture
def phone_environ() -> dict[str, str]:
    """Extra phone settings for ``lab`` (override the fixture in a test module)."""
    return {}


@pytest.fixture
async def lab(settings: Settings, phone_environ: dict[str, str]) -> AsyncIterator[PhoneLab]:
    """A live hub whose Twilio REST calls (ringing agents into a call's conference,
    holds, transfers, callbacks) go to the loopback simulator, ``lab.sim``, whose
    answered calls stay up until hung up; the Downtown store (``DT``) has a phone."""
    environ = {"HUB_PHONE_STORE_NUMBERS": f"DT={STORE_PHONE}, BAD=nonsense", **phone_environ}
    async with (
        serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN, callback_delay=0.01) as sim,
        live_server(
            settings.with_(twilio_api_base=sim.url, environ=environ), run_outbox=False
        ) as live,
        httpx.AsyncClient(base_url=live.url, timeout=WAIT) as http,
    ):
        sim.simulator.resource(CallsResource).stay_open = True
        phone_lab = PhoneLab(live, http, sim.simulator)
        async with live.hub.uow() as uow:
            uow.session.add(Store(code="DT", name="Downtown"))
        try:
            yield phone_lab
        finally:
            for console in phone_lab.consoles:
                await console.client.disconnect()


@pytest.fixture
def twilio(client: httpx.AsyncClient, settings: Settings) -> Twilio:
    """Signed webhooks to the in-process app (public URL ``http://testserver``)."""
    return Twilio(client, settings)
