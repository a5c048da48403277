"""The phone queue: its size for the console, "answer next caller" through the
simulator, and the maximum wait that sends a queued caller to voicemail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hub.actions.threads import assign_thread
from hub.settings import Settings
from simulators.twilio import serve_simulator
from simulators.twilio.conferences import ConferencesResource
from simulators.twilio.voice import CallsResource
from tests.conftest import TWILIO_TEST_SID, TWILIO_TEST_TOKEN, agent_session_cookie, live_server
from tests.connectors.phone.conftest import PhoneLab, make_agent, twiml, verbs
from tests.connectors.phone.test_twiml import CALLER, call_event, known_customer

OTHER = "+15557770102"
DESK = "+15553001000"


@pytest.fixture
async def sim_lab(settings: Settings) -> AsyncIterator[tuple[PhoneLab, CallsResource]]:
    """A live hub whose Twilio REST calls go to the loopback simulator."""
    async with (
        serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN, callback_delay=0.01) as sim,
        live_server(settings.with_(twilio_api_base=sim.url), run_outbox=False) as live,
        httpx.AsyncClient(base_url=live.url, timeout=5.0) as http,
    ):
        lab = PhoneLab(live, http)
        try:
            yield lab, sim.simulator.resource(CallsResource)
        finally:
            for console in lab.consoles:
                await console.client.disconnect()


async def queue_one_caller(lab: PhoneLab, agent: int) -> int:
    """``agent`` (online) takes a call from OTHER; then CALLER is queued (CA2)."""
    customer_id = await known_customer(lab.hub)
    await known_customer(lab.hub, OTHER, "Walter")
    async with lab.hub.uow() as uow:
        await assign_thread(uow, customer_id, agent)
    console = await lab.online(agent)
    assert twiml(await lab.twilio.call("CA1", OTHER)).find("Dial") is not None
    await console.next("call.incoming")
    root = twiml(await lab.twilio.call("CA2", CALLER))
    assert verbs(root) == ["Say", "Enqueue"]
    enqueue = root.find("Enqueue")
    assert enqueue is not None
    assert enqueue.get("action", "").endswith("/twilio/voice/enqueued")
    return customer_id


async def headers(lab: PhoneLab, agent: int) -> dict[str, str]:
    cookie, csrf = await agent_session_cookie(lab.hub, agent)
    return {"Cookie": cookie, "X-CSRF-Token": csrf}


async def test_a_caller_waiting_too_long_leaves_a_voicemail(lab: PhoneLab) -> None:
    agent = await make_agent(lab.hub, "Mulder")
    customer_id = await queue_one_caller(lab, agent)
    queue = await lab.http.get("/phone/queue", headers=await headers(lab, agent))
    assert queue.json() == {"waiting": 1, "callbacks": 0, "can_answer": False}
    assert (await lab.http.get("/phone/queue")).status_code == 401

    waiting = {"CallSid": "CA2", "QueueSid": "QU1", "QueuePosition": "1"}
    hold = twiml(await lab.twilio.post("/twilio/voice/wait", {**waiting, "QueueTime": "299"}))
    assert verbs(hold) == ["Gather"]
    leave = twiml(await lab.twilio.post("/twilio/voice/wait", {**waiting, "QueueTime": "300"}))
    assert verbs(leave) == ["Leave"]

    left = {"CallSid": "CA2", "QueueResult": "leave", "QueueTime": "300"}
    for _ in range(2):  # a replay records nothing twice
        root = twiml(await lab.twilio.post("/twilio/voice/enqueued", left))
        assert verbs(root) == ["Say", "Record", "Hangup"]
        record = root.find("Record")
        assert record is not None and record.get("transcribe") == "true"
        assert record.get("transcribeCallback", "").endswith("/twilio/voice/transcription")
    event = await call_event(lab.hub, "CA2")
    assert event.data["voicemail"] is True and event.customer_id == customer_id
    assert (await lab.http.get("/phone/queue", headers=await headers(lab, agent))).json()[
        "waiting"
    ] == 0


async def test_wait_limit_is_a_setting(settings: Settings) -> None:
    async with (
        live_server(settings.with_(queue_max_wait_seconds=30), run_outbox=False) as live,
        httpx.AsyncClient(base_url=live.url, timeout=5.0) as http,
    ):
        lab = PhoneLab(live, http)
        waiting = {"CallSid": "CA9", "QueueSid": "QU1"}
        hold = twiml(await lab.twilio.post("/twilio/voice/wait", {**waiting, "QueueTime": "29"}))
        assert verbs(hold) == ["Gather"]
        leave = twiml(await lab.twilio.post("/twilio/voice/wait", {**waiting, "QueueTime": "30"}))
        assert verbs(leave) == ["Leave"]
        bridged = {"CallSid": "CA9", "QueueResult": "bridged"}
        assert verbs(twiml(await lab.twilio.post("/twilio/voice/enqueued", bridged))) == ["Hangup"]
        forged = await lab.twilio.post("/twilio/voice/wait", waiting, signature="forged")
        assert forged.status_code == 403


async def test_answer_next_rings_the_agents_desk_phone(
    sim_lab: tuple[PhoneLab, CallsResource],
) -> None:
    lab, calls = sim_lab
    agent = await make_agent(lab.hub, "Mulder", route="number", address=DESK)
    browser = await make_agent(lab.hub, "Skinner")
    caller = calls.incoming(CALLER, lab.settings.twilio_voice_number or "")
    caller.sid = "CA2"  # the queued caller, as Twilio holds it
    await queue_one_caller(lab, agent)
    assert (await lab.http.get("/phone/queue", headers=await headers(lab, agent))).json() == {
        "waiting": 1,
        "callbacks": 0,
        "can_answer": True,
    }
    no_csrf = await lab.http.post(
        "/phone/queue/answer", headers={"Cookie": (await headers(lab, agent))["Cookie"]}
    )
    assert no_csrf.status_code == 403
    refused = await lab.http.post("/phone/queue/answer", headers=await headers(lab, browser))
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "no_phone_route"

    response = await lab.http.post("/phone/queue/answer", headers=await headers(lab, agent))
    assert response.status_code == 202, response.text
    assert response.json()["waiting"] == 1
    placed_calls = [c for c in calls.calls if c.direction == "outbound-api"]
    # The first call placed rang the agent into CA1's conference room.
    assert urlsplit(placed_calls[0].url or "").path == "/twilio/voice/join"
    for _ in range(250):
        placed_calls = [c for c in calls.calls if c.direction == "outbound-api"]
        if len(placed_calls) > 1 and placed_calls[1].url_status is not None:
            break
        await asyncio.sleep(0.02)
    placed = placed_calls[1]
    assert placed.to == DESK and placed.from_ == lab.settings.twilio_voice_number
    assert placed.url_status == 200  # the hub answered the agent's leg
    assert placed.url is not None
    url = urlsplit(placed.url)
    assert url.path == "/twilio/voice/queue"
    assert parse_qs(url.query) == {"agent_id": [str(agent)]}

    # The desk picked up: the hub took the longest-waiting caller for Mulder, moved them
    # from the queue into their call's room, and the desk's call joined it.
    event = await call_event(lab.hub, "CA2")
    assert event.agent_id == agent and event.data["route"]["dequeued"] is True
    assert event.data["legs"] == [
        {"sid": placed.sid, "role": "agent", "status": "in-progress", "agent_id": agent}
    ]
    assert event.data["steps"][-1]["text"] == "Taken from the queue (Mulder)"
    room = calls.sim.resource(ConferencesResource).room("call-CA2")
    assert room is not None
    assert {sid: p.label for sid, p in room.participants.items()} == {
        "CA2": "customer",
        placed.sid: "agent",
    }
    assert "call-CA2" in caller.updates[0]["Twiml"]

    # Nobody else waits in the hub's queue: a caller only Twilio's queue holds is
    # bridged from the queue as before.
    leg = twiml(await lab.twilio.post(f"{url.path}?{url.query}", {"CallSid": placed.sid}))
    queue = leg.find("Dial/Queue")
    assert queue is not None and (queue.text or "").strip() == "support"
    dequeued = urlsplit(queue.get("url", ""))
    await lab.twilio.post(f"{dequeued.path}?{dequeued.query}", {"CallSid": "CA2"})
    event = await call_event(lab.hub, "CA2")
    assert event.agent_id == agent
    after = await lab.http.post("/phone/queue/answer", headers=await headers(lab, agent))
    assert after.status_code == 409 and after.json()["error"]["code"] == "queue_empty"
    assert len([c for c in calls.calls if c.direction == "outbound-api"]) == 2
