"""The agent's browser phone: Voice access tokens and click-to-call through the simulator."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from sqlalchemy import select

from hub.actions.inbound import receive_inbound
from hub.core import Hub
from hub.models import Event
from hub.settings import Settings
from hub.types import Inbound
from simulators.twilio import serve_simulator
from simulators.twilio.conferences import ConferencesResource
from simulators.twilio.voice import CallsResource
from tests.conftest import (
    TWILIO_TEST_SID,
    TWILIO_TEST_TOKEN,
    agent_session_cookie,
    live_server,
    make_settings,
)
from tests.connectors.phone.conftest import cookie_header, make_agent

CUSTOMER_PHONE = "+15557770101"
API_KEY_SECRET = "api-key-secret-for-tests-0123456789"


async def customer_with_phone(hub: Hub) -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="sms", kind="phone", address=CUSTOMER_PHONE, body="hi", provider_id="SM1"
            ),
        )
    return received.customer.id


async def test_token_for_a_logged_in_agent(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(
        db_url,
        tmp_path,
        twilio_api_key_sid="SK" + "1" * 32,
        twilio_api_key_secret=API_KEY_SECRET,
        twilio_twiml_app_sid="AP" + "2" * 32,
    )
    async with (
        live_server(settings, run_outbox=False) as live,
        httpx.AsyncClient(base_url=live.url) as http,
    ):
        agent = await make_agent(live.hub, "Forrest")
        anonymous = await http.get("/phone/token")
        assert anonymous.status_code == 401
        forged = await http.get(
            "/phone/token", headers={"Cookie": cookie_header({"agent_id": agent}, "wrong-key")}
        )
        assert forged.status_code == 401

        response = await http.get(
            "/phone/token",
            headers={"Cookie": (await agent_session_cookie(live.hub, agent))[0]},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["identity"] == f"agent-{agent}"
    claims = jwt.decode(body["token"], API_KEY_SECRET, algorithms=["HS256"])
    assert claims["iss"] == "SK" + "1" * 32 and claims["sub"] == TWILIO_TEST_SID
    assert claims["grants"]["identity"] == f"agent-{agent}"
    voice = claims["grants"]["voice"]
    assert voice["incoming"] == {"allow": True}
    assert voice["outgoing"]["application_sid"] == "AP" + "2" * 32


async def test_token_needs_the_api_key_settings(settings: Settings) -> None:
    async with (
        live_server(settings, run_outbox=False) as live,
        httpx.AsyncClient(base_url=live.url) as http,
    ):
        agent = await make_agent(live.hub, "Forrest")
        response = await http.get(
            "/phone/token",
            headers={"Cookie": (await agent_session_cookie(live.hub, agent))[0]},
        )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "not_configured"


async def test_click_to_call_rings_the_agent_then_bridges_the_customer(
    settings: Settings,
) -> None:
    async with (
        serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN, callback_delay=0.01) as sim,
        live_server(settings.with_(twilio_api_base=sim.url), run_outbox=False) as live,
        httpx.AsyncClient(base_url=live.url) as http,
    ):
        agent = await make_agent(live.hub, "Forrest")
        customer_id = await customer_with_phone(live.hub)
        cookie, csrf = await agent_session_cookie(live.hub, agent)

        no_csrf = await http.post(
            "/phone/calls", json={"customer_id": customer_id}, headers={"Cookie": cookie}
        )
        assert no_csrf.status_code == 403
        response = await http.post(
            "/phone/calls",
            json={"customer_id": customer_id},
            headers={"Cookie": cookie, "X-CSRF-Token": csrf},
        )
        assert response.status_code == 201, response.text
        call = response.json()["call"]
        assert call["type"] == "call" and call["direction"] == "out"
        assert call["agent_id"] == agent and call["customer_id"] == customer_id

        event = await wait_for_status(live.hub, call["provider_id"], "completed")
        placed = sim.simulator.resource(CallsResource).calls
        assert placed[0].to == f"client:agent-{agent}"
        assert placed[0].from_ == settings.twilio_voice_number
        assert placed[0].url_status == 200  # the hub answered the bridge TwiML
        assert event.data["statuses"] == ["queued", "ringing", "in-progress", "completed"]
        assert event.data["duration"] == 1
        # Once the agent answered, their call entered its room and the customer was
        # rung into it (hold and transfer work as for an incoming call).
        rooms = sim.simulator.resource(ConferencesResource)
        assert rooms.conferences[0].friendly_name == f"call-{placed[0].sid}"
        assert len(placed) == 2 and placed[1].to == CUSTOMER_PHONE
        join = parse_qs(urlsplit(placed[1].url or "").query)
        assert join == {"call": [placed[0].sid], "role": ["customer"]}
        agent_leg, customer_leg = event.data["legs"]
        assert agent_leg == {
            "sid": placed[0].sid,
            "role": "agent",
            "status": "completed",  # the agent's own call: its status follows the call's
            "agent_id": agent,
        }
        assert (customer_leg["sid"], customer_leg["role"]) == (placed[1].sid, "customer")


async def wait_for_status(hub: Hub, call_sid: str, status: str) -> Event:
    for _ in range(250):
        async with hub.read() as session:
            event = (
                await session.execute(select(Event).where(Event.provider_id == call_sid))
            ).scalar_one()
        if event.status == status:
            return event
        await asyncio.sleep(0.02)
    raise AssertionError(f"call {call_sid} stuck at {event.status}")


async def test_click_to_call_refused_by_twilio_stores_nothing(settings: Settings) -> None:
    async with (
        serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN) as sim,
        live_server(settings.with_(twilio_api_base=sim.url), run_outbox=False) as live,
        httpx.AsyncClient(base_url=live.url) as http,
    ):
        agent = await make_agent(live.hub, "Forrest")
        customer_id = await customer_with_phone(live.hub)
        cookie, csrf = await agent_session_cookie(live.hub, agent)
        sim.simulator.reject_next(21210, "Caller phone number not verified")
        response = await http.post(
            "/phone/calls",
            json={"customer_id": customer_id},
            headers={"Cookie": cookie, "X-CSRF-Token": csrf},
        )
        assert response.status_code == 502
        assert response.json()["error"]["code"] == "provider_error"
        async with live.hub.read() as session:
            calls = (await session.execute(select(Event).where(Event.type == "call"))).all()
        assert calls == []


async def test_click_to_call_with_the_same_client_id_calls_once(settings: Settings) -> None:
    async with (
        serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN, callback_delay=0.01) as sim,
        live_server(settings.with_(twilio_api_base=sim.url), run_outbox=False) as live,
        httpx.AsyncClient(base_url=live.url) as http,
    ):
        agent = await make_agent(live.hub, "Forrest")
        customer_id = await customer_with_phone(live.hub)
        cookie, csrf = await agent_session_cookie(live.hub, agent)
        headers = {"Cookie": cookie, "X-CSRF-Token": csrf}
        body = {"customer_id": customer_id, "client_id": "click-1"}

        # A double click: both requests at once, then a retry.
        first, second = await asyncio.gather(
            http.post("/phone/calls", json=body, headers=headers),
            http.post("/phone/calls", json=body, headers=headers),
        )
        retry = await http.post("/phone/calls", json=body, headers=headers)
        assert sorted([first.status_code, second.status_code, retry.status_code]) == [
            200,
            200,
            201,
        ]
        sids = {r.json()["call"]["provider_id"] for r in (first, second, retry)}
        assert len(sids) == 1
        calls = sim.simulator.resource(CallsResource).calls

        def agent_calls() -> int:  # the customers the hub then rang are not counted
            return sum(1 for c in calls if c.to.startswith("client:"))

        assert agent_calls() == 1

        other = await http.post(
            "/phone/calls", json={**body, "client_id": "click-2"}, headers=headers
        )
        assert other.status_code == 201
        assert agent_calls() == 2
        bad = await http.post("/phone/calls", json={**body, "client_id": "x" * 65}, headers=headers)
        assert bad.status_code == 422
