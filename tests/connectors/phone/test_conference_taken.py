"""Every answered call is in its own room: a caller the browser phone takes from the
queue and a click-to-call from a thread go through hold, resume, warm transfer to an
agent and cold transfer to a store against the loopback Twilio, named by the agent's
own CallSid (all the browser knows), every step on the call's timeline."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.actions.threads import assign_thread
from simulators.twilio.conferences import SimulatedConference
from tests.connectors.phone.conftest import STORE_PHONE, PhoneLab, make_agent, rung, twiml
from tests.connectors.phone.test_conference import Room, as_agent, until
from tests.connectors.phone.test_twiml import CALLER, call_event, known_customer

OTHER = "+15557770102"


async def agent_picked_up(lab: PhoneLab, call_sid: str) -> None:
    """Until the agent rung for ``call_sid`` answered (the simulator answers the leg the
    hub placed and reports it a moment later): only then is the call answered."""
    for _ in range(250):
        legs = (await call_event(lab.hub, call_sid)).data.get("legs") or []
        if any(leg.get("role") == "agent" and leg.get("status") == "in-progress" for leg in legs):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no agent picked up {call_sid}")


async def browser_call(lab: PhoneLab, agent: int, sid: str, **params: str) -> Any:
    """``agent``'s browser phone places ``sid`` through the TwiML App; Twilio runs the
    TwiML answered (the room it joins)."""
    answer = await lab.twilio.post(
        "/twilio/voice/client", {"CallSid": sid, "From": f"client:agent-{agent}", **params}
    )
    room = twiml(answer).find("Dial/Conference")
    assert room is not None and room.get("participantLabel") == "agent"
    Room(lab).conferences.execute(sid, answer.text)
    return (room.text or "").strip()


async def hold_resume_and_transfer(
    lab: PhoneLab, agents: tuple[int, int], own_sid: str, customer: str, room: SimulatedConference
) -> None:
    """Mulder (on ``own_sid``, his own call) holds and resumes ``customer``, transfers
    warm to Skinner and completes; Skinner sends the call cold to the Downtown store."""
    mulder, skinner = agents
    conference = room
    participant = conference.participants[customer]
    calls = f"/phone/calls/{own_sid}"
    held = await lab.http.post(
        f"{calls}/hold", json={"hold": True}, headers=await as_agent(lab, mulder)
    )
    assert held.status_code == 200, held.text
    assert participant.hold
    resumed = await lab.http.post(
        f"{calls}/hold", json={"hold": False}, headers=await as_agent(lab, mulder)
    )
    assert resumed.status_code == 200 and not participant.hold
    other = await lab.http.post(
        f"{calls}/hold", json={"hold": True}, headers=await as_agent(lab, skinner)
    )
    assert other.status_code in (403, 404)  # not a call of Skinner's

    before = len(await rung(lab, 1))
    warm = await lab.http.post(
        f"{calls}/transfer",
        json={"mode": "warm", "agent_id": skinner},
        headers=await as_agent(lab, mulder),
    )
    assert warm.status_code == 202, warm.text
    assert participant.hold
    target = (await rung(lab, before + 1))[before]
    assert target.to.startswith(f"client:agent-{skinner}?")
    await until(lambda: target.sid in conference.participants)
    done = await lab.http.post(f"{calls}/transfer/complete", headers=await as_agent(lab, mulder))
    assert done.status_code == 200, done.text
    assert own_sid in conference.removed and not participant.hold

    # Skinner's browser knows the room's call from the ring's custom parameters.
    room_call = target.to.split("call_sid=")[1]
    cold = await lab.http.post(
        f"/phone/calls/{room_call}/transfer",
        json={"mode": "cold", "store": "DT"},
        headers=await as_agent(lab, skinner),
    )
    assert cold.status_code == 202, cold.text
    store = (await rung(lab, before + 2))[before + 1]
    assert store.to == STORE_PHONE
    assert target.sid in conference.removed and customer in conference.participants


async def test_a_caller_taken_from_the_queue_is_in_a_room(lab: PhoneLab) -> None:
    mulder = await make_agent(lab.hub, "Mulder")
    skinner = await make_agent(lab.hub, "Skinner")
    room = Room(lab)
    console = await lab.online(mulder)
    busy_customer = await known_customer(lab.hub, OTHER, "Walter")
    await known_customer(lab.hub)
    async with lab.hub.uow() as uow:
        await assign_thread(uow, busy_customer, mulder)
    assert twiml(await lab.twilio.call("CA1", OTHER)).find("Dial/Conference") is not None
    caller = room.calls.incoming(CALLER, lab.settings.twilio_voice_number or "")
    queued = twiml(await lab.twilio.call(caller.sid, CALLER))
    assert queued.find("Enqueue") is not None  # Mulder is busy
    await agent_picked_up(lab, "CA1")
    await lab.twilio.status("CA1", "completed", OTHER)  # his call ends: the room too

    # "Take next caller": the browser connects To=queue; the hub takes the caller for
    # Mulder, moves them from the queue into their room, and Mulder's call joins it.
    assert await browser_call(lab, mulder, "CAmulder", To="queue") == f"call-{caller.sid}"
    conference = await until(lambda: room.of(caller.sid))
    assert {sid: p.label for sid, p in conference.participants.items()} == {
        caller.sid: "customer",
        "CAmulder": "agent",
    }
    assert "Thanks for waiting." in caller.updates[0]["Twiml"]
    pop = await console.next("call.incoming")
    while not pop.get("dequeued"):  # CA1's, then the queued caller's (every console)
        pop = await console.next("call.incoming")
    assert pop["call"]["provider_id"] == caller.sid and pop["name"] == "Dana Scully"
    await asyncio.sleep(0.1)
    assert len(await rung(lab, 1)) == 1  # only CA1 rang Mulder: he is on the line
    await lab.online(skinner)

    await hold_resume_and_transfer(lab, (mulder, skinner), "CAmulder", caller.sid, conference)
    event = await call_event(lab.hub, caller.sid)
    assert event.agent_id is None  # the store has it
    assert [s["text"] for s in event.data["steps"]] == [
        "Taken from the queue (Mulder)",
        "On hold (Mulder)",
        "Resumed (Mulder)",
        "Warm transfer to Skinner (Mulder)",
        "Transfer completed (Mulder left)",
        "Cold transfer to store DT (Skinner)",
    ]
    # The queue and its count moved on.
    board = (await lab.http.get("/phone/wallboard", headers=await as_agent(lab, mulder))).json()
    assert (board["waiting"], board["answered_today"]) == (0, 2)


async def test_a_click_to_call_is_in_a_room(lab: PhoneLab) -> None:
    mulder = await make_agent(lab.hub, "Mulder")
    skinner = await make_agent(lab.hub, "Skinner")
    room = Room(lab)
    await lab.online(mulder)
    await lab.online(skinner)
    customer_id = await known_customer(lab.hub)

    # The thread's Call button: the browser calls the customer through the TwiML App;
    # Mulder's call enters its room and the hub rings the customer into it.
    assert (
        await browser_call(lab, mulder, "CAclick", To="customer", customer_id=str(customer_id))
        == "call-CAclick"
    )
    customer = (await rung(lab, 1))[0]
    assert customer.to == CALLER
    conference = await until(lambda: room.of("CAclick"))
    await until(lambda: customer.sid in conference.participants)
    assert conference.participants[customer.sid].label == "customer"
    assert conference.participants[customer.sid].end_conference_on_exit

    await hold_resume_and_transfer(lab, (mulder, skinner), "CAclick", customer.sid, conference)
    event = await call_event(lab.hub, "CAclick")
    assert event.customer_id == customer_id and event.direction == "out"
    assert [s["text"] for s in event.data["steps"]] == [
        "On hold (Mulder)",
        "Resumed (Mulder)",
        "Warm transfer to Skinner (Mulder)",
        "Transfer completed (Mulder left)",
        "Cold transfer to store DT (Skinner)",
    ]
    roles = [(leg["role"], leg.get("agent_id")) for leg in event.data["legs"]]
    assert roles == [
        ("agent", mulder),
        ("customer", None),
        ("transfer", skinner),
        ("transfer", None),
    ]


async def test_a_queued_caller_who_hung_up_meanwhile_is_skipped(lab: PhoneLab) -> None:
    mulder = await make_agent(lab.hub, "Mulder")
    room = Room(lab)
    await lab.online(mulder)
    busy_customer = await known_customer(lab.hub, OTHER, "Walter")
    async with lab.hub.uow() as uow:
        await assign_thread(uow, busy_customer, mulder)
    assert twiml(await lab.twilio.call("CA1", OTHER)).find("Dial/Conference") is not None
    # CAgone queued first, then hung up (its status callback is not in yet); then CALLER.
    await known_customer(lab.hub, "+15557770103", "Alex")
    await known_customer(lab.hub)
    assert twiml(await lab.twilio.call("CAgone", "+15557770103")).find("Enqueue") is not None
    caller = room.calls.incoming(CALLER, lab.settings.twilio_voice_number or "")
    assert twiml(await lab.twilio.call(caller.sid, CALLER)).find("Enqueue") is not None
    await agent_picked_up(lab, "CA1")
    await lab.twilio.status("CA1", "completed", OTHER)

    assert await browser_call(lab, mulder, "CAmulder", To="queue") == f"call-{caller.sid}"
    gone = await call_event(lab.hub, "CAgone")
    assert [leg["status"] for leg in gone.data["legs"]] == ["failed"]
    assert gone.data["steps"][-1]["text"] == "Had left the queue"
    await lab.twilio.status("CAgone", "completed", "+15557770103")
    board = (await lab.http.get("/phone/wallboard", headers=await as_agent(lab, mulder))).json()
    assert (board["answered_today"], board["abandoned_today"]) == (2, 1)  # CA1, CALLER; CAgone
    assert (board["agents_on_calls"], board["waiting"]) == (1, 0)
