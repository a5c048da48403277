"""Callback instead of waiting, against the loopback Twilio: press 2 while queued, the
callback keeps the caller's place ahead of later callers, the agent who takes it is
rung first, then the customer, with the screen pop; an agent who does not pick up puts
it back in line at the same place."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

from hub.actions.threads import assign_thread
from hub.models import Event
from simulators.twilio.conferences import ConferencesResource
from simulators.twilio.voice import CallsResource
from tests.connectors.phone.conftest import PhoneLab, make_agent, rung, twiml, verbs
from tests.connectors.phone.test_conference import as_agent
from tests.connectors.phone.test_twiml import call_event, known_customer

EARLY = "+15557770102"
LATE = "+15557770103"
BUSY = "+15557770104"


async def queue_two_callers(lab: PhoneLab, agent: int) -> None:
    """``agent`` is on a call with BUSY (CA1); EARLY (CA2) then LATE (CA3) queue."""
    busy_customer = await known_customer(lab.hub, BUSY, "Walter")
    await known_customer(lab.hub, EARLY, "Dana")
    await known_customer(lab.hub, LATE, "Fox")
    async with lab.hub.uow() as uow:
        await assign_thread(uow, busy_customer, agent)
    assert twiml(await lab.twilio.call("CA1", BUSY)).find("Dial/Conference") is not None
    await rung(lab, 1)
    assert verbs(twiml(await lab.twilio.call("CA2", EARLY))) == ["Say", "Enqueue"]
    assert verbs(twiml(await lab.twilio.call("CA3", LATE))) == ["Say", "Enqueue"]


async def test_callback_keeps_its_place_and_rings_the_agent_then_the_customer(
    lab: PhoneLab,
) -> None:
    mulder = await make_agent(lab.hub, "Mulder")
    console = await lab.online(mulder)
    await queue_two_callers(lab, mulder)

    # EARLY hears the offer and presses 2: booked, they leave the queue, no voicemail.
    wait = twiml(await lab.twilio.post("/twilio/voice/wait", {"CallSid": "CA2", "QueueTime": "30"}))
    gather = wait.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    choice = urlsplit(gather.get("action", ""))
    assert choice.path == "/twilio/voice/callback-choice"
    other_key = twiml(await lab.twilio.post(choice.path, {"CallSid": "CA2", "Digits": "5"}))
    assert verbs(other_key) == ["Gather"]  # back to the music
    for _ in range(2):  # a replayed key press books one callback
        booked = twiml(await lab.twilio.post(choice.path, {"CallSid": "CA2", "Digits": "2"}))
        assert verbs(booked) == ["Say", "Leave"]
        assert "call you back" in (booked.findtext("Say") or "")
    left = twiml(
        await lab.twilio.post("/twilio/voice/enqueued", {"CallSid": "CA2", "QueueResult": "leave"})
    )
    assert verbs(left) == ["Hangup"]  # no voicemail: a callback is booked
    await lab.twilio.status("CA2", "completed", EARLY, CallDuration="40")
    event = await call_event(lab.hub, "CA2")
    assert event.data["callback"]["status"] == "pending" and not event.data.get("voicemail")
    assert event.data["steps"][-1]["text"] == "Asked to be called back (keeps their place)"
    queue = await lab.http.get("/phone/queue", headers=await as_agent(lab, mulder))
    assert queue.json() == {"waiting": 1, "callbacks": 1, "can_answer": False}
    board = (await lab.http.get("/phone/wallboard", headers=await as_agent(lab, mulder))).json()
    assert (board["waiting"], board["callbacks"], board["agents_on_calls"]) == (1, 1, 1)
    assert board["abandoned_today"] == 0 and board["longest_waiting_since"] is not None

    # Mulder's call ends; "next" takes the callback (EARLY came before LATE).
    await lab.twilio.status("CA1", "completed", BUSY, CallDuration="60")
    while console.pending("call.incoming"):
        await console.next("call.incoming")
    taken = await lab.http.post("/phone/queue/next", headers=await as_agent(lab, mulder))
    assert taken.status_code == 202, taken.text
    assert taken.json() == {"kind": "callback", "call_sid": "CA2"}
    pop = await console.next("call.incoming")
    assert pop["callback"] is True and pop["call"]["provider_id"] == "CA2"
    legs = await rung(lab, 3)  # Mulder's first call, then the callback: agent, customer
    agent_leg, customer_leg = legs[1], legs[2]
    assert agent_leg.to.startswith(f"client:agent-{mulder}?")
    assert parse_qs(urlsplit(agent_leg.url or "").query)["then"] == ["customer"]
    assert customer_leg.to == EARLY
    assert customer_leg.created_at >= agent_leg.updated_at  # after the agent answered
    join = urlsplit(customer_leg.url or "")
    greeting = ET.fromstring(
        (await lab.twilio.post(f"{join.path}?{join.query}", {"CallSid": customer_leg.sid})).text
    )
    assert "calling you back" in (greeting.findtext("Say") or "")
    conference = greeting.find("Dial/Conference")
    assert conference is not None and (conference.text or "").strip() == "call-CA2"
    assert conference.get("endConferenceOnExit") == "true"
    event = await until_callback(lab, "CA2", "done")
    assert event.agent_id == mulder
    assert [s["text"] for s in event.data["steps"]][-2:] == [
        "Callback taken by Mulder",
        "Customer called back",
    ]

    board = (await lab.http.get("/phone/wallboard", headers=await as_agent(lab, mulder))).json()
    assert (board["answered_today"], board["abandoned_today"]) == (2, 0)
    assert (await lab.http.get("/phone/wallboard")).status_code == 401

    # Next in line is LATE, a queued caller: the softphone connects to the queue.
    after = await lab.http.post("/phone/queue/next", headers=await as_agent(lab, mulder))
    assert after.json() == {"kind": "queue", "waiting": 1}


async def test_an_agent_who_misses_the_callback_puts_it_back_in_its_place(
    lab: PhoneLab,
) -> None:
    mulder = await callback_booked(lab)
    await lab.twilio.status("CA1", "completed", BUSY)
    assert lab.sim is not None
    customer_id = (await call_event(lab.hub, "CA2")).customer_id
    lab.sim.resource(CallsResource).set_outcome(
        f"client:agent-{mulder}?customer_id={customer_id}&call_sid=CA2", "no-answer"
    )

    taken = await lab.http.post("/phone/queue/next", headers=await as_agent(lab, mulder))
    assert taken.json()["kind"] == "callback"
    event = await until_callback(lab, "CA2", "pending")
    assert event.agent_id is None
    assert event.data["steps"][-1]["text"] == "Callback not answered by the agent (no-answer)"
    assert len(await rung(lab, 2)) == 2  # nobody rang the customer
    queue = await lab.http.get("/phone/queue", headers=await as_agent(lab, mulder))
    assert queue.json()["callbacks"] == 1
    again = await lab.http.post("/phone/queue/next", headers=await as_agent(lab, mulder))
    assert again.json() == {"kind": "callback", "call_sid": "CA2"}  # still first in line


async def callback_booked(lab: PhoneLab) -> int:
    """Mulder (returned) is on a call with BUSY (CA1); EARLY (CA2) pressed 2 and hung
    up; LATE (CA3) waits in the queue."""
    mulder = await make_agent(lab.hub, "Mulder")
    await lab.online(mulder)
    await queue_two_callers(lab, mulder)
    booked = twiml(
        await lab.twilio.post("/twilio/voice/callback-choice", {"CallSid": "CA2", "Digits": "2"})
    )
    assert verbs(booked) == ["Say", "Leave"]
    await lab.twilio.status("CA2", "completed", EARLY)
    return mulder


async def until_callback(lab: PhoneLab, call_sid: str, status: str) -> Event:
    for _ in range(250):
        event = await call_event(lab.hub, call_sid)
        if event.data.get("callback", {}).get("status") == status:
            return event
        await asyncio.sleep(0.02)
    raise AssertionError(f"callback never {status}")


async def test_an_agent_on_a_callback_is_on_a_call_for_routing_and_the_wallboard(
    lab: PhoneLab,
) -> None:
    mulder = await callback_booked(lab)
    await lab.twilio.status("CA1", "completed", BUSY)  # the room ends: Mulder's leg too
    assert lab.sim is not None
    calls = lab.sim.resource(CallsResource)
    calls.hang_up((await rung(lab, 1))[0].sid)
    taken = await lab.http.post("/phone/queue/next", headers=await as_agent(lab, mulder))
    assert taken.json() == {"kind": "callback", "call_sid": "CA2"}
    event = await until_callback(lab, "CA2", "done")  # Mulder and EARLY are talking
    assert event.status == "completed"  # the call EARLY made ended long ago

    # Mulder is on the callback: a new caller queues instead of ringing him.
    await known_customer(lab.hub, "+15557770105", "Monica")
    assert verbs(twiml(await lab.twilio.call("CA4", "+15557770105"))) == ["Say", "Enqueue"]
    board = (await lab.http.get("/phone/wallboard", headers=await as_agent(lab, mulder))).json()
    assert (board["agents_online"], board["agents_on_calls"], board["agents_available"]) == (
        1,
        1,
        0,
    )

    # The callback is in its room like any call: hold acts on the customer Mulder
    # called back, and a three-way call brings the store in.
    customer_leg = next(leg for leg in event.data["legs"] if leg["role"] == "customer")
    room = lab.sim.resource(ConferencesResource).room("call-CA2")
    assert room is not None and customer_leg["sid"] in room.participants
    for on in (True, False):
        held = await lab.http.post(
            "/phone/calls/CA2/hold", json={"hold": on}, headers=await as_agent(lab, mulder)
        )
        assert held.status_code == 200, held.text
        assert room.participants[customer_leg["sid"]].hold is on
    three = await lab.http.post(
        "/phone/calls/CA2/transfer",
        json={"mode": "three_way", "store": "DT"},
        headers=await as_agent(lab, mulder),
    )
    assert three.status_code == 202, three.text
    event = await call_event(lab.hub, "CA2")
    assert [s["text"] for s in event.data["steps"]][-3:] == [
        "On hold (Mulder)",
        "Resumed (Mulder)",
        "Three-way call to store DT (Mulder)",
    ]

    # Mulder hangs up: free again, the next caller rings him.
    agent_leg = next(leg for leg in event.data["legs"] if leg["role"] == "agent")
    calls.hang_up(agent_leg["sid"])
    for _ in range(250):
        board = (await lab.http.get("/phone/wallboard", headers=await as_agent(lab, mulder))).json()
        if board["agents_available"] == 1:
            break
        await asyncio.sleep(0.02)
    assert board["agents_on_calls"] == 0
    await known_customer(lab.hub, "+15557770106", "John")
    routed = twiml(await lab.twilio.call("CA5", "+15557770106"))
    assert routed.find("Dial/Conference") is not None
