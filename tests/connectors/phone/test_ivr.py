"""The IVR that knows the thread, against the loopback Twilio: a carrier-verified
caller hears their open order's status and presses 0 to talk to someone; a caller whose
number was only typed, or a new caller, hears nothing about orders."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.actions import ivr_calls
from hub.actions.customers import add_identity
from hub.actions.hours import set_business_hours
from hub.actions.inbound import receive_inbound
from hub.actions.orders import OrderInput, upsert_order
from hub.core import Hub
from hub.models.hours import store_team
from hub.types import Inbound
from tests.connectors.phone.conftest import PhoneLab, make_agent, rung, twiml, verbs
from tests.connectors.phone.test_twiml import CALLER, call_event, known_customer

TYPED = "+15557770199"


async def order_for(hub: Hub, customer_id: int, number: str, status: str) -> None:
    async with hub.uow() as uow:
        await upsert_order(
            uow,
            OrderInput(
                external_id=number,
                customer_id=customer_id,
                number=number,
                status=status,
                pickup_location="Downtown",
            ),
        )


async def test_verified_caller_hears_the_order_status_and_presses_0(lab: PhoneLab) -> None:
    mulder = await make_agent(lab.hub, "Mulder")
    console = await lab.online(mulder)
    customer_id = await known_customer(lab.hub)  # texted from CALLER: verified
    await order_for(lab.hub, customer_id, "W-10400", "delivered")
    await order_for(lab.hub, customer_id, "W-10421", "ready_for_pickup")

    root = twiml(await lab.twilio.call("CA1", CALLER))
    assert verbs(root) == ["Gather", "Say", "Hangup"]
    gather = root.find("Gather")
    assert gather is not None and gather.get("action", "").endswith("/twilio/voice/ivr-choice")
    assert (gather.findtext("Say") or "") == (
        "Hello Dana, thanks for calling. Your order W-10421 is ready for pickup at Downtown. "
        "Press 0 to talk to someone."
    )
    event = await call_event(lab.hub, "CA1")
    assert event.data["ivr"] == {
        "order": "W-10421",
        "said": "Your order W-10421 is ready for pickup at Downtown.",
    }
    assert "route" not in event.data and event.agent_id is None
    assert event.data["steps"][-1]["text"].startswith("Heard: Your order W-10421")
    assert console.pending("call.incoming") == 0  # nobody is rung while they listen

    for _ in range(2):  # a replayed key press routes once
        routed = twiml(
            await lab.twilio.post("/twilio/voice/ivr-choice", {"CallSid": "CA1", "Digits": "0"})
        )
        assert (routed.findtext("Dial/Conference") or "").strip() == "call-CA1"
    pop = await console.next("call.incoming")
    assert pop["customer_id"] == customer_id and pop["recognised_by"] == "verified"
    assert len(await rung(lab, 1)) == 1
    event = await call_event(lab.hub, "CA1")
    assert event.agent_id == mulder and event.data["route"]["mode"] == "agent"
    assert event.data["steps"][-1]["text"] == "Asked to talk to someone"


async def test_no_key_ends_the_call_politely(lab: PhoneLab) -> None:
    customer_id = await known_customer(lab.hub)
    await order_for(lab.hub, customer_id, "W-1", "shipped")
    root = twiml(await lab.twilio.call("CA1", CALLER))
    assert "Your order W-1 is on its way." in (root.findtext("Gather/Say") or "")
    bye = twiml(
        await lab.twilio.post("/twilio/voice/ivr-choice", {"CallSid": "CA1", "Digits": "9"})
    )
    assert verbs(bye) == ["Hangup"]
    assert "route" not in (await call_event(lab.hub, "CA1")).data


async def test_unrecognised_callers_hear_nothing_about_orders(lab: PhoneLab) -> None:
    await make_agent(lab.hub, "Mulder")
    # A customer with an open order whose phone number was only typed (asserted).
    async with lab.hub.uow() as uow:
        typed = await receive_inbound(
            uow,
            Inbound(
                channel="webchat",
                kind="visitor",
                address="v-1",
                body="hi",
                provider_id="W1",
                name="Typist",
            ),
        )
        await add_identity(uow, typed.customer.id, "phone", TYPED, verified=False)
    await order_for(lab.hub, typed.customer.id, "W-20001", "ready_for_pickup")

    for call_sid, caller in (("CA1", TYPED), ("CA2", "+15557770142")):
        text = (await lab.twilio.call(call_sid, caller)).text
        assert "W-20001" not in text and "your order" not in text.lower()
        assert "ready for pickup" not in text and "ivr-choice" not in text


async def test_verified_caller_without_an_open_order_is_routed_as_usual(lab: PhoneLab) -> None:
    customer_id = await known_customer(lab.hub)
    await order_for(lab.hub, customer_id, "W-9", "picked_up")
    text = (await lab.twilio.call("CA1", CALLER)).text
    assert "ivr-choice" not in text and "W-9" not in text
    assert "<Record" in text  # nobody online: voicemail, as before


# Wednesday 25 November 2026, 15:00 in New York (a fixed clock for the store's hours).
WEDNESDAY_3PM_NEW_YORK = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


async def test_a_pickup_says_until_when_the_store_is_open_today(
    lab: PhoneLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ivr_calls, "utcnow", lambda: WEDNESDAY_3PM_NEW_YORK)
    async with lab.hub.uow() as uow:  # the Downtown store (DT) opens 10:00-19:00, New York time
        await set_business_hours(
            uow,
            timezone="America/New_York",
            intervals=[{"day": day, "open": "10:00", "close": "19:00"} for day in range(7)],
            team=store_team("DT"),
        )
    customer_id = await known_customer(lab.hub)
    await order_for(lab.hub, customer_id, "W-10421", "ready_for_pickup")

    root = twiml(await lab.twilio.call("CA1", CALLER))

    said = "Your order W-10421 is ready for pickup at Downtown until 7 pm."
    assert (root.findtext("Gather/Say") or "") == (
        f"Hello Dana, thanks for calling. {said} Press 0 to talk to someone."
    )
    assert (await call_event(lab.hub, "CA1")).data["ivr"]["said"] == said
