"""TwiML answers of ``POST /twilio/voice`` and ``/gather``, parsed as XML, per routing case."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from hub.actions.handoff import create_handoff_code
from hub.actions.inbound import receive_inbound
from hub.actions.threads import assign_thread
from hub.core import Hub
from hub.models import Customer, Event, Identity
from hub.types import Inbound
from tests.connectors.phone.conftest import PhoneLab, Twilio, make_agent, rung, twiml, verbs

CALLER = "+15557770101"


async def known_customer(hub: Hub, phone: str = CALLER, name: str = "Dana Scully") -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="sms",
                kind="phone",
                address=phone,
                body="Hello",
                provider_id=f"SM-{phone}",
                name=name,
            ),
        )
    return received.customer.id


def room(root: ET.Element) -> str:
    """The conference room a ``<Dial><Conference>`` puts the caller in."""
    return (root.findtext("Dial/Conference") or "").strip()


async def call_event(hub: Hub, call_sid: str) -> Event:
    async with hub.read() as session:
        result = await session.execute(select(Event).where(Event.provider_id == call_sid))
        return result.scalar_one()


async def test_known_caller_goes_to_the_sticky_agent(lab: PhoneLab) -> None:
    sticky = await make_agent(lab.hub, "Mulder")
    other = await make_agent(lab.hub, "Skinner")
    customer_id = await known_customer(lab.hub)
    async with lab.hub.uow() as uow:
        await assign_thread(uow, customer_id, sticky)
    console = await lab.online(sticky)
    await lab.online(other)

    root = twiml(await lab.twilio.call("CA1", CALLER))

    assert verbs(root) == ["Say", "Dial"]
    assert "Dana" in (root.find("Say").text or "")  # type: ignore[union-attr]
    dial = root.find("Dial")
    assert dial is not None and dial.get("action", "").endswith("/twilio/voice/dialed")
    assert [c.tag for c in dial] == ["Conference"]
    conference = dial.find("Conference")
    assert conference is not None and room(root) == "call-CA1"
    assert conference.get("startConferenceOnEnter") == "false"
    assert conference.get("endConferenceOnExit") == "true"
    # The hub rings the agent's browser phone into the room, with the parameters that
    # match the ring to the screen pop.
    (leg,) = await rung(lab, 1)
    assert leg.to == f"client:agent-{sticky}?customer_id={customer_id}&call_sid=CA1"
    assert urlsplit(leg.url or "").path == "/twilio/voice/join"
    pop = await console.next("call.incoming")
    assert pop["customer_id"] == customer_id
    assert pop["route"] == {"mode": "agent", "agent_id": sticky, "sticky": True}
    assert pop["recognised_by"] == "verified"  # the number texted the hub before
    event = await call_event(lab.hub, "CA1")
    assert event.agent_id == sticky and event.type == "call" and event.status == "ringing"


async def test_known_caller_whose_agent_is_offline_goes_to_another(lab: PhoneLab) -> None:
    sticky = await make_agent(lab.hub, "Mulder")
    other = await make_agent(lab.hub, "Skinner")
    customer_id = await known_customer(lab.hub)
    async with lab.hub.uow() as uow:
        await assign_thread(uow, customer_id, sticky)
    await lab.online(other)

    root = twiml(await lab.twilio.call("CA1", CALLER))

    assert room(root) == "call-CA1"
    (leg,) = await rung(lab, 1)
    assert leg.to.startswith(f"client:agent-{other}?")


async def test_known_caller_queues_when_every_agent_is_busy(lab: PhoneLab) -> None:
    agent = await make_agent(lab.hub, "Mulder")
    customer_id = await known_customer(lab.hub)
    await known_customer(lab.hub, "+15557770102", "Walter")
    async with lab.hub.uow() as uow:
        await assign_thread(uow, customer_id, agent)
    console = await lab.online(agent)
    first = twiml(await lab.twilio.call("CA1", "+15557770102"))
    assert room(first) == "call-CA1"
    await console.next("call.incoming")

    root = twiml(await lab.twilio.call("CA2", CALLER))

    assert verbs(root) == ["Say", "Enqueue"]
    enqueue = root.find("Enqueue")
    assert enqueue is not None and (enqueue.text or "").strip() == "support"
    assert enqueue.get("waitUrl", "").endswith("/twilio/voice/wait")
    pop = await console.next("call.incoming")  # queued calls pop on every console
    assert pop["customer_id"] == customer_id and pop["route"]["mode"] == "queue"

    # Once the first call ends, the agent is free again.
    await lab.twilio.status("CA1", "completed", "+15557770102", CallDuration="30")
    root = twiml(await lab.twilio.call("CA3", "+15557770102"))
    assert room(root) == "call-CA3"


async def test_agent_on_number_and_sip_routes(lab: PhoneLab) -> None:
    await known_customer(lab.hub)
    await known_customer(lab.hub, "+15557770102", "Walter")
    by_phone = await make_agent(lab.hub, "Mulder", route="number", address="(555) 300-1000")
    await lab.online(by_phone)
    root = twiml(await lab.twilio.call("CA1", CALLER))
    assert room(root) == "call-CA1"
    assert [leg.to for leg in await rung(lab, 1)] == ["+15553001000"]

    by_sip = await make_agent(lab.hub, "Skinner", route="sip", address="sip:skinner@pbx.example")
    await lab.online(by_sip)
    root = twiml(await lab.twilio.call("CA2", "+15557770102"))
    assert room(root) == "call-CA2"
    assert (await rung(lab, 2))[1].to == "sip:skinner@pbx.example"


async def test_nobody_available_records_a_voicemail(twilio: Twilio, app: object) -> None:
    hub: Hub = app.state.hub  # type: ignore[attr-defined]
    await known_customer(hub)
    root = twiml(await twilio.call("CA1", CALLER))

    assert verbs(root) == ["Say", "Record", "Hangup"]
    assert "Dana" in (root.find("Say").text or "")  # type: ignore[union-attr]
    record = root.find("Record")
    assert record is not None
    assert record.get("transcribe") == "true"
    assert record.get("transcribeCallback") == "http://testserver/twilio/voice/transcription"
    assert record.get("recordingStatusCallback") == "http://testserver/twilio/voice/recording"
    event = await call_event(hub, "CA1")
    assert event.data["voicemail"] is True and event.data["route"]["mode"] == "voicemail"


async def test_unknown_caller_is_asked_for_a_code(twilio: Twilio, app: object) -> None:
    hub: Hub = app.state.hub  # type: ignore[attr-defined]
    root = twiml(await twilio.call("CA1", CALLER))

    assert verbs(root) == ["Gather"]
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("numDigits") == "6" and gather.get("input") == "dtmf"
    assert gather.get("action") == "http://testserver/twilio/voice/gather?attempt=1"
    assert gather.find("Say") is not None
    async with hub.read() as session:  # nothing is stored until the caller is known
        assert (await session.execute(select(Event))).first() is None


async def test_correct_code_links_the_call_to_the_customer(twilio: Twilio, app: object) -> None:
    hub: Hub = app.state.hub  # type: ignore[attr-defined]
    async with hub.uow() as uow:
        chat = await receive_inbound(
            uow,
            Inbound(channel="webchat", kind="visitor", address="v-1", body="hi", provider_id="w1"),
        )
        handoff = await create_handoff_code(
            uow, chat.customer.id, from_channel="webchat", to_channel="phone"
        )
    twiml(await twilio.call("CA1", CALLER))

    root = twiml(await twilio.call("CA1", CALLER, "/twilio/voice/gather", Digits=handoff.code))

    assert verbs(root) == ["Say", "Record", "Hangup"]  # nobody online: voicemail
    event = await call_event(hub, "CA1")
    assert event.customer_id == chat.customer.id and event.data["handoff"] is True
    async with hub.read() as session:
        identity = (
            await session.execute(select(Identity).where(Identity.address == CALLER))
        ).scalar_one()
        assert identity.customer_id == chat.customer.id
        assert identity.verification == "verified"

    # Twilio retrying the gather gets the same answer and no second call.
    again = twiml(await twilio.call("CA1", CALLER, "/twilio/voice/gather", Digits=handoff.code))
    assert verbs(again) == verbs(root)
    # The number is now known: the next call is recognised straight away.
    assert verbs(twiml(await twilio.call("CA2", CALLER)))[0] == "Say"


async def test_wrong_code_twice_queues_as_a_new_customer(twilio: Twilio, app: object) -> None:
    hub: Hub = app.state.hub  # type: ignore[attr-defined]
    first = twiml(await twilio.call("CA1", CALLER, "/twilio/voice/gather", Digits="000000"))
    gather = first.find("Gather")
    assert verbs(first) == ["Gather"] and gather is not None
    action = gather.get("action", "")
    assert parse_qs(urlsplit(action).query) == {"attempt": ["2"]}

    root = twiml(
        await twilio.call("CA1", CALLER, "/twilio/voice/gather?attempt=2", Digits="111111")
    )

    assert verbs(root) == ["Say", "Record", "Hangup"]
    event = await call_event(hub, "CA1")
    async with hub.read() as session:
        customer = await session.get(Customer, event.customer_id)
        identity = (
            await session.execute(select(Identity).where(Identity.address == CALLER))
        ).scalar_one()
    assert customer is not None and identity.customer_id == customer.id


async def test_no_code_goes_straight_on(twilio: Twilio) -> None:
    root = twiml(await twilio.call("CA1", CALLER, "/twilio/voice/gather", Digits=""))
    assert verbs(root) == ["Say", "Record", "Hangup"]


async def test_withheld_number_is_told_and_nothing_stored(twilio: Twilio, app: object) -> None:
    hub: Hub = app.state.hub  # type: ignore[attr-defined]
    root = twiml(await twilio.call("CA1", "anonymous"))
    assert verbs(root) == ["Say", "Hangup"]
    async with hub.read() as session:
        assert (await session.execute(select(Event))).first() is None


async def test_two_calls_at_once_never_ring_the_same_agent(lab: PhoneLab) -> None:
    agent = await make_agent(lab.hub, "Mulder")
    await known_customer(lab.hub)
    await known_customer(lab.hub, "+15557770102", "Walter")
    await lab.online(agent)

    answers = await asyncio.gather(
        lab.twilio.call("CA1", CALLER), lab.twilio.call("CA2", "+15557770102")
    )

    assert sorted(verbs(twiml(a))[1] for a in answers) == ["Dial", "Enqueue"]
