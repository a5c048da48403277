"""The seed scenario on a live server: chat on the widget, then phone in.

The agent's console (a python-socketio client on ``/agent`` with a logged-in session
cookie) must get ``call.incoming`` carrying the details and chat the customer gave,
and the call must land on the same thread — by caller id, or by a handoff code.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.actions.handoff import create_handoff_code
from hub.actions.inbound import receive_inbound
from hub.actions.orders import OrderInput, upsert_order
from hub.core import Hub
from hub.models import Event, Identity
from hub.types import IdentityClaim, Inbound
from tests.connectors.phone.conftest import PhoneLab, make_agent, twiml, verbs

PHONE = "+15558675309"


async def widget_chat(hub: Hub, *, phone: str | None) -> int:
    """A visitor gives name, order number (and maybe a phone) and chats twice."""
    claims = (IdentityClaim("phone", phone),) if phone else ()
    async with hub.uow() as uow:
        first = await receive_inbound(
            uow,
            Inbound(
                channel="webchat",
                kind="visitor",
                address="visitor-42",
                body="Hi, my parcel has not arrived",
                provider_id="client-1",
                details={"name": "Jenny Curran", "order_number": "A-1001"},
                claims=claims,
            ),
        )
        await receive_inbound(
            uow,
            Inbound(
                channel="webchat",
                kind="visitor",
                address="visitor-42",
                body="It was due last Tuesday",
                provider_id="client-2",
            ),
        )
        await upsert_order(
            uow, OrderInput(external_id="shop-1001", customer_id=first.customer.id, number="A-1001")
        )
    return first.customer.id


async def thread_events(hub: Hub, customer_id: int) -> list[Event]:
    async with hub.read() as session:
        result = await session.execute(
            select(Event).where(Event.customer_id == customer_id).order_by(Event.id)
        )
        return list(result.scalars())


def assert_pop_carries_the_chat(pop: dict[str, Any], customer_id: int) -> None:
    assert pop["customer_id"] == customer_id
    assert pop["name"] == "Jenny Curran" and pop["first_name"] == "Jenny"
    details = {d["key"]: d["value"] for d in pop["details"] if d["key"] != "phone"}
    assert details == {"name": "Jenny Curran", "order_number": "A-1001"}
    bodies = [m["body"] for m in pop["messages"]]
    assert bodies == ["Hi, my parcel has not arrived", "It was due last Tuesday"]
    assert [m["channel"] for m in pop["messages"]] == ["webchat", "webchat"]
    assert [o["number"] for o in pop["orders"]] == ["A-1001"]
    call = pop["call"]
    assert call["type"] == "call" and call["channel"] == "phone" and call["direction"] == "in"


async def test_caller_recognised_by_the_phone_given_in_chat(lab: PhoneLab) -> None:
    agent = await make_agent(lab.hub, "Forrest")
    customer_id = await widget_chat(lab.hub, phone="(555) 867-5309")
    console = await lab.online(agent)

    # Typing the number proved nothing: the caller is asked, and pressing 1 from the
    # carrier-verified number is the proof (tests/connectors/phone/test_recent_chat.py).
    asked = twiml(await lab.twilio.call("CAseed1", PHONE))
    assert verbs(asked) == ["Gather"]
    root = twiml(await lab.twilio.call("CAseed1", PHONE, "/twilio/voice/confirm", Digits="1"))

    assert verbs(root) == ["Say", "Dial"]
    assert "Jenny" in (root.find("Say").text or "")  # type: ignore[union-attr]
    pop = await console.next("call.incoming")
    assert_pop_carries_the_chat(pop, customer_id)
    assert pop["call"]["provider_id"] == "CAseed1"
    assert pop["recognised_by"] == "confirmed"
    assert pop["route"] == {"mode": "agent", "agent_id": agent, "sticky": False}
    events = await thread_events(lab.hub, customer_id)
    assert [e.type for e in events][-1] == "call"
    assert events[-1].provider_id == "CAseed1" and events[-1].thread_id == events[0].thread_id

    # The call's progress reaches the console as updates of the same event.
    await lab.twilio.status("CAseed1", "in-progress", PHONE)
    while True:
        updated = await console.next("event.updated")
        if updated["event"]["status"] == "in-progress":
            break
    assert updated["event"]["id"] == pop["call"]["id"]


async def test_unknown_number_linked_by_handoff_code(lab: PhoneLab) -> None:
    agent = await make_agent(lab.hub, "Forrest")
    customer_id = await widget_chat(lab.hub, phone=None)
    async with lab.hub.uow() as uow:
        handoff = await create_handoff_code(
            uow, customer_id, from_channel="webchat", to_channel="phone"
        )
    console = await lab.online(agent)

    asked = twiml(await lab.twilio.call("CAseed2", PHONE))
    assert verbs(asked) == ["Gather"]
    root = twiml(
        await lab.twilio.call(
            "CAseed2", PHONE, "/twilio/voice/gather?attempt=1", Digits=handoff.code
        )
    )

    assert verbs(root) == ["Say", "Dial"]
    pop = await console.next("call.incoming")
    assert_pop_carries_the_chat(pop, customer_id)
    assert pop["call"]["data"]["handoff"] is True and pop["recognised_by"] == "handoff"
    assert pop["caller"]["address"] == PHONE and pop["caller"]["verification"] == "verified"
    events = await thread_events(lab.hub, customer_id)
    assert [e.type for e in events][-2:] == ["handoff", "call"]
    async with lab.hub.read() as session:
        identity = (
            await session.execute(select(Identity).where(Identity.address == PHONE))
        ).scalar_one()
    assert identity.customer_id == customer_id
