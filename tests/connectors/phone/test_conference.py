"""Calls in their own conference rooms, checked against the loopback Twilio: the agent
rung into the room, hold and resume, warm transfer to an agent (whisper, pop, hand-over),
cold transfer to a store, three-way, and an agent who does not answer (voicemail)."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.phone.connector import PhoneConnector
from connectors.phone.settings import PhoneSettings
from connectors.phone.twiml import WAIT_MUSIC_URL
from hub.actions.staff import create_terminal
from hub.actions.threads import assign_thread
from hub.settings import Settings
from simulators.twilio.conferences import ConferencesResource, SimulatedConference
from simulators.twilio.voice import CallsResource
from tests.conftest import agent_session_cookie
from tests.connectors.instore.conftest import call, recv_json, terminal
from tests.connectors.phone.conftest import (
    STORE_PHONE,
    PhoneLab,
    make_agent,
    rung,
    twiml,
)
from tests.connectors.phone.test_twiml import CALLER, call_event, known_customer

environ_key = "HUB_PHONE_STORE_NUMBERS"


async def as_agent(lab: PhoneLab, agent: int, *, csrf: bool = True) -> dict[str, str]:
    """Headers of ``agent``'s signed-in browser (a server-side session)."""
    cookie, token = await agent_session_cookie(lab.hub, agent)
    return {"Cookie": cookie} | ({"X-CSRF-Token": token} if csrf else {})


async def until(check: Callable[[], Any]) -> Any:
    for _ in range(250):
        if value := check():
            return value
        await asyncio.sleep(0.02)
    raise AssertionError("condition never held")


class Room:
    def __init__(self, lab: PhoneLab) -> None:
        assert lab.sim is not None
        self.calls = lab.sim.resource(CallsResource)
        self.conferences = lab.sim.resource(ConferencesResource)

    def of(self, call_sid: str) -> SimulatedConference | None:
        return self.conferences.room(f"call-{call_sid}")


async def answered_call(lab: PhoneLab, agent: int) -> str:
    """CALLER rings, is routed to ``agent`` (their thread's assignee), waits in the
    call's room; the hub rings the agent, who picks up and joins. Returns the CallSid."""
    room = Room(lab)
    customer_id = await known_customer(lab.hub)
    async with lab.hub.uow() as uow:
        await assign_thread(uow, customer_id, agent)
    caller = room.calls.incoming(CALLER, lab.settings.twilio_voice_number or "")
    answer = await lab.twilio.call(caller.sid, CALLER)
    room.conferences.execute(caller.sid, answer.text)  # Twilio runs the TwiML
    conference = await until(lambda: room.of(caller.sid))
    await until(lambda: len(conference.participants) == 2)  # the agent joined
    labels = [p.label for p in conference.participants.values()]
    assert labels == ["customer", "agent"]
    event = await until_leg(lab, caller.sid, 1)
    assert event.data["legs"][0]["agent_id"] == agent
    return caller.sid


async def until_leg(lab: PhoneLab, call_sid: str, count: int) -> Any:
    for _ in range(250):
        event = await call_event(lab.hub, call_sid)
        if len(event.data.get("legs", [])) >= count:
            return event
        await asyncio.sleep(0.02)
    raise AssertionError("leg never recorded")


async def test_hold_resume_and_warm_transfer_to_another_agent(lab: PhoneLab) -> None:
    mulder = await make_agent(lab.hub, "Mulder")
    skinner = await make_agent(lab.hub, "Skinner")
    await lab.online(mulder)
    skinner_console = await lab.online(skinner)
    call_sid = await answered_call(lab, mulder)
    room = Room(lab)
    conference = room.of(call_sid)
    assert conference is not None
    customer = conference.participants[call_sid]

    hold = f"/phone/calls/{call_sid}/hold"
    assert (
        await lab.http.post(hold, json={"hold": True}, headers=await as_agent(lab, skinner))
    ).json()["error"]["code"] == "not_your_call"
    no_csrf = await lab.http.post(
        hold, json={"hold": True}, headers=await as_agent(lab, mulder, csrf=False)
    )
    assert no_csrf.status_code == 403 and not customer.hold

    held = await lab.http.post(hold, json={"hold": True}, headers=await as_agent(lab, mulder))
    assert held.status_code == 200, held.text
    assert customer.hold and customer.updates[-1]["HoldUrl"] == WAIT_MUSIC_URL
    resumed = await lab.http.post(hold, json={"hold": False}, headers=await as_agent(lab, mulder))
    assert resumed.status_code == 200 and not customer.hold

    targets = await lab.http.get("/phone/transfer-targets", headers=await as_agent(lab, mulder))
    assert targets.json() == {
        "agents": [{"id": skinner, "name": "Skinner", "online": True}],
        "stores": [{"code": "DT", "name": "Downtown"}],
    }

    # Warm: the caller is held, Skinner's phone rings, he hears the summary, joins.
    transfer = f"/phone/calls/{call_sid}/transfer"
    started = await lab.http.post(
        transfer, json={"mode": "warm", "agent_id": skinner}, headers=await as_agent(lab, mulder)
    )
    assert started.status_code == 202, started.text
    assert customer.hold
    legs = await rung(lab, 2)
    assert legs[1].to.startswith(f"client:agent-{skinner}?")
    join = urlsplit(legs[1].url or "")
    assert join.path == "/twilio/voice/join" and "role=transfer" in join.query
    whisper = ET.fromstring(
        (await lab.twilio.post(f"{join.path}?{join.query}", {"CallSid": legs[1].sid})).text
    )
    said = whisper.findtext("Say") or ""
    assert "Transferred call from Dana Scully, calling from a verified number." in said
    assert "Their last message: Hello" in said
    pop = await skinner_console.next("call.incoming")
    assert pop["transfer"]["mode"] == "warm" and pop["transfer"]["from_agent_name"] == "Mulder"
    assert pop["transfer"]["thread_url"] == f"/customers/{pop['customer_id']}"
    assert pop["transfer"]["summary"] == said
    await until(lambda: len(conference.participants) == 3)
    again = await lab.http.post(
        transfer, json={"mode": "cold", "agent_id": skinner}, headers=await as_agent(lab, mulder)
    )
    assert again.json()["error"]["code"] == "transfer_in_progress"

    done = await lab.http.post(f"{transfer}/complete", headers=await as_agent(lab, mulder))
    assert done.status_code == 200, done.text
    mulder_leg = legs[0].sid
    assert conference.removed == [mulder_leg] and not customer.hold
    assert list(conference.participants) == [call_sid, legs[1].sid]
    event = await call_event(lab.hub, call_sid)
    assert event.agent_id == skinner and "transfer" not in event.data
    assert [s["text"] for s in event.data["steps"]] == [
        "On hold (Mulder)",
        "Resumed (Mulder)",
        "Warm transfer to Skinner (Mulder)",
        "Transfer completed (Mulder left)",
    ]

    # Now Skinner has the call: a cold transfer to the store leaves the caller with it.
    cold = await lab.http.post(
        transfer, json={"mode": "cold", "store": "DT"}, headers=await as_agent(lab, skinner)
    )
    assert cold.status_code == 202, cold.text
    legs = await rung(lab, 3)
    assert legs[2].to == STORE_PHONE
    assert conference.removed == [mulder_leg, legs[1].sid] and not customer.hold
    event = await call_event(lab.hub, call_sid)
    assert event.agent_id is None
    assert event.data["steps"][-1]["text"] == "Cold transfer to store DT (Skinner)"
    unknown = await lab.http.post(
        transfer, json={"mode": "cold", "store": "BAD"}, headers=await as_agent(lab, skinner)
    )
    assert unknown.status_code == 403  # no longer Skinner's call


async def test_three_way_keeps_everyone_on_the_line(lab: PhoneLab) -> None:
    mulder = await make_agent(lab.hub, "Mulder")
    skinner = await make_agent(lab.hub, "Skinner")
    await lab.online(mulder)
    await lab.online(skinner)
    call_sid = await answered_call(lab, mulder)
    conference = Room(lab).of(call_sid)
    assert conference is not None

    started = await lab.http.post(
        f"/phone/calls/{call_sid}/transfer",
        json={"mode": "three_way", "agent_id": skinner},
        headers=await as_agent(lab, mulder),
    )
    assert started.status_code == 202, started.text
    await until(lambda: len(conference.participants) == 3)
    assert not any(p.hold for p in conference.participants.values())
    assert conference.removed == []
    event = await call_event(lab.hub, call_sid)
    assert event.agent_id == mulder
    assert event.data["steps"][-1]["text"] == "Three-way call to Skinner (Mulder)"
    bad = await lab.http.post(
        f"/phone/calls/{call_sid}/transfer",
        json={"mode": "sideways", "agent_id": skinner},
        headers=await as_agent(lab, mulder),
    )
    assert bad.status_code == 422 or bad.status_code == 400


async def test_an_agent_who_does_not_answer_sends_the_caller_to_voicemail(
    lab: PhoneLab,
) -> None:
    room = Room(lab)
    mulder = await make_agent(lab.hub, "Mulder")
    await lab.online(mulder)
    customer_id = await known_customer(lab.hub)
    caller = room.calls.incoming(CALLER, lab.settings.twilio_voice_number or "")
    room.calls.set_outcome(
        f"client:agent-{mulder}?customer_id={customer_id}&call_sid={caller.sid}", "no-answer"
    )
    twiml(await lab.twilio.call(caller.sid, CALLER))
    await until(lambda: caller.updates)
    voicemail = ET.fromstring(caller.updates[0]["Twiml"])
    assert [c.tag for c in voicemail] == ["Say", "Record", "Hangup"]
    event = await call_event(lab.hub, caller.sid)
    assert event.data["voicemail"] is True and event.agent_id is None
    assert event.data["legs"][0]["status"] == "no-answer"


async def test_store_numbers_setting(settings: Settings) -> None:
    environ = {"HUB_PHONE_STORE_NUMBERS": "DT=(555) 300-1000, UP=+15553002000,BAD=nonsense,x"}
    configured = settings.with_(environ=environ)
    assert PhoneSettings.from_settings(configured).store_numbers == {
        "DT": "+15553001000",
        "UP": "+15553002000",
    }
    assert PhoneSettings.problems(configured) == [
        (environ_key, "HUB_PHONE_STORE_NUMBERS: 'BAD=nonsense' is not CODE=+E164"),
        (environ_key, "HUB_PHONE_STORE_NUMBERS: 'x' is not CODE=+E164"),
    ]
    assert PhoneSettings.from_settings(settings).store_numbers == {}
    problems = [p for p in await PhoneConnector.check(configured) if p.setting == environ_key]
    assert [p.fatal for p in problems] == [False, False]  # hub check warns, serve starts
    wrong = settings.with_(
        environ={"HUB_CALL_RECORDING": "always", "HUB_CALL_TRANSCRIBER": "no.such.module:make"}
    )
    by_setting = {p.setting: p for p in await PhoneConnector.check(wrong)}
    assert by_setting["HUB_CALL_RECORDING"].fatal is False
    assert by_setting["HUB_CALL_TRANSCRIBER"].fatal is True
    assert PhoneSettings.from_settings(wrong).recording == "off"


async def test_a_store_transfer_carries_the_summary_and_the_thread_link(lab: PhoneLab) -> None:
    mulder = await make_agent(lab.hub, "Mulder")
    await lab.online(mulder)
    async with lab.hub.uow() as uow:
        _, key = await create_terminal(uow, "DT", "Counter 1")
        _, elsewhere = await create_terminal(uow, "UP", "Uptown counter")
    call_sid = await answered_call(lab, mulder)
    async with terminal(lab.live, key) as counter, terminal(lab.live, elsewhere) as other:
        # An ack proves the hub has registered each socket (it authenticates after the
        # handshake): a push sent before that reaches no one.
        for ws in (counter, other):
            assert (await call(ws, "ready?"))["error"]["code"] == "bad_json"
        cold = await lab.http.post(
            f"/phone/calls/{call_sid}/transfer",
            json={"mode": "cold", "store": "DT"},
            headers=await as_agent(lab, mulder),
        )
        assert cold.status_code == 202, cold.text
        # The store's terminals (the associates' view) get who, the summary and the link.
        frame = await recv_json(counter)
        event = await call_event(lab.hub, call_sid)
        link = f"{lab.settings.public_url}/customers/{event.customer_id}"
        assert frame["type"] == "call.transfer"
        assert (frame["store"], frame["store_name"], frame["mode"]) == ("DT", "Downtown", "cold")
        assert (frame["name"], frame["from_agent_name"], frame["call_sid"]) == (
            "Dana Scully",
            "Mulder",
            call_sid,
        )
        assert frame["thread_url"] == link and link.startswith("http")
        assert "Transferred call from Dana Scully" in frame["summary"]
        assert "Their last message: Hello" in frame["summary"]
        with pytest.raises(TimeoutError):  # another store's terminal hears nothing
            await recv_json_within(other, 0.3)

    # The store's phone hears the summary and the thread's link before joining.
    leg = (await rung(lab, 2))[1]
    assert leg.to == STORE_PHONE
    join = urlsplit(leg.url or "")
    assert parse_qs(join.query)["store"] == ["DT"]
    whisper = ET.fromstring(
        (await lab.twilio.post(f"{join.path}?{join.query}", {"CallSid": leg.sid})).text
    )
    said = whisper.findtext("Say") or ""
    assert said.startswith(frame["summary"]) and said.endswith(f"Their thread: {link}")


async def recv_json_within(ws: Any, seconds: float) -> Any:
    async with asyncio.timeout(seconds):
        return await ws.recv()
