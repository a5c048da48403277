"""Issue 21: the caller who just chatted is recognised, and only their own proof links.

The story as customers really do it: the phone number is only in the chat's text
("call me on (415) 556-4601 if easier"), then they dial. Through the widget socket,
Twilio Voice/SMS webhooks signed with the test token and the agent's ``/agent`` socket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.actions.claim_links import CONFIRM_PROMPT
from hub.actions.merge import unmerge_customers
from hub.actions.orders import OrderInput, upsert_order
from hub.core import Hub
from hub.models import Detail, Event, Identity, Merge
from hub.settings import Settings
from tests.conftest import live_server, make_settings
from tests.connectors.phone.conftest import PhoneLab, make_agent, twiml, verbs
from tests.connectors.webchat.conftest import Visitor
from tests.security.test_identity_proof import event_by_sid, reasons_for, text_in

CALLER = "+14155564601"
STORY = "my lamp from order W-77123 arrived cracked, call me on (415) 556-4601 if easier"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, order_number_pattern=r"W-\d{5}")


async def chat(url: str, body: str, **extra: Any) -> int:
    """A visitor opens the widget, writes ``body`` and closes the tab."""
    tab = Visitor(url)
    try:
        await tab.connect()
        ack = await tab.send(body, **extra)
    finally:
        await tab.close()
    assert ack["ok"], ack
    return int(ack["customer_id"])


async def merges(hub: Hub) -> list[Merge]:
    async with hub.read() as session:
        return list((await session.execute(select(Merge).order_by(Merge.id))).scalars())


async def caller_identity(hub: Hub, number: str) -> Identity:
    async with hub.read() as session:
        found = await session.execute(select(Identity).where(Identity.address == number))
        return found.scalar_one()


def said(root: Any) -> str:
    return " ".join((e.text or "") for e in root.iter("Say"))


async def test_press_1_links_the_call_to_the_chat(lab: PhoneLab) -> None:
    agent = await make_agent(lab.hub, "Forrest")
    chatter = await chat(lab.live.url, STORY, details={"name": "Jenny Curran"})
    console = await lab.online(agent)

    asked = twiml(await lab.twilio.call("CAstory1", CALLER))
    assert verbs(asked) == ["Gather"]
    assert "Press 1 if that was you" in said(asked)
    assert asked.find("Gather").get("action", "").endswith("/twilio/voice/confirm")  # type: ignore[union-attr]
    assert await merges(lab.hub) == []  # asking links nothing

    root = twiml(await lab.twilio.call("CAstory1", CALLER, "/twilio/voice/confirm", Digits="1"))

    assert verbs(root) == ["Say", "Dial"]
    assert "Jenny" in said(root)
    pop = await console.next("call.incoming")
    assert pop["customer_id"] == chatter and pop["recognised_by"] == "confirmed"
    assert [m["body"] for m in pop["messages"]] == [STORY]
    details = {d["key"]: d["value"] for d in pop["details"]}
    assert details["phone"] == CALLER and details["order_number"] == "W-77123"
    (merge,) = await merges(lab.hub)
    assert merge.target_customer_id == chatter and merge.actor == "ivr"
    identity = await caller_identity(lab.hub, CALLER)
    assert identity.verification == "verified"
    call = await event_by_sid(lab.hub, "CAstory1")
    assert call.customer_id == chatter

    # The link is reversible: the caller gets back their number and this call.
    async with lab.hub.uow() as uow:
        await unmerge_customers(uow, merge.id, actor="agent:1")
    call = await event_by_sid(lab.hub, "CAstory1")
    assert call.customer_id == merge.source_customer_id
    assert (await caller_identity(lab.hub, CALLER)).customer_id == merge.source_customer_id


async def test_no_press_links_nothing_and_the_pop_suggests_the_chat(lab: PhoneLab) -> None:
    """Also the attacker's case: whoever typed the number, the caller's silence (or
    any other key) never links them."""
    agent = await make_agent(lab.hub, "Forrest")
    chatter = await chat(lab.live.url, STORY)
    console = await lab.online(agent)

    asked = twiml(await lab.twilio.call("CAstory2", CALLER))
    assert verbs(asked) == ["Gather"]
    code = twiml(await lab.twilio.call("CAstory2", CALLER, "/twilio/voice/confirm", Digits="2"))
    assert verbs(code) == ["Gather"] and "code" in said(code)  # on to the code prompt
    root = twiml(await lab.twilio.call("CAstory2", CALLER, "/twilio/voice/gather?attempt=1"))

    assert verbs(root) == ["Say", "Dial"]
    pop = await console.next("call.incoming")
    assert pop["customer_id"] != chatter and pop["recognised_by"] == "new"
    assert pop["messages"] == []  # the caller sees... and gets... nothing of the chat
    (suggestion,) = pop["suggestions"]
    assert suggestion["customer_id"] == chatter
    assert suggestion["reason"].startswith(f"They wrote {CALLER} in webchat")
    assert [m["body"] for m in suggestion["messages"]] == [STORY]
    assert {d["key"] for d in suggestion["details"]} >= {"phone", "order_number"}
    assert await merges(lab.hub) == []
    assert (await caller_identity(lab.hub, CALLER)).customer_id == pop["customer_id"]


async def test_international_number_in_another_default_region(
    settings: Settings, tmp_path: Path
) -> None:
    uk = settings.with_(default_region="GB", twilio_voice_number="+442071838750")
    async with (
        live_server(uk, run_outbox=False) as live,
        httpx.AsyncClient(base_url=live.url, timeout=10) as http,
    ):
        lab = PhoneLab(live, http)
        agent = await make_agent(lab.hub, "Moneypenny")
        chatter = await chat(live.url, "parcel damaged, ring me on 020 7946 0958 please")
        console = await lab.online(agent)
        try:
            asked = twiml(await lab.twilio.call("CAuk1", "+442079460958"))
            assert "Press 1 if that was you" in said(asked)
            twiml(
                await lab.twilio.call("CAuk1", "+442079460958", "/twilio/voice/confirm", Digits="1")
            )
            pop = await console.next("call.incoming")
        finally:
            await console.client.disconnect()
    assert pop["customer_id"] == chatter and pop["recognised_by"] == "confirmed"


async def test_a_caller_nobody_claimed_gets_recent_chats_as_weak_hints(lab: PhoneLab) -> None:
    agent = await make_agent(lab.hub, "Forrest")
    chatter = await chat(lab.live.url, "the lamp arrived cracked, can someone help?")
    console = await lab.online(agent)

    asked = twiml(await lab.twilio.call("CAhint", "+14155550199"))
    assert verbs(asked) == ["Gather"] and "Press 1" not in said(asked)  # the code prompt
    twiml(await lab.twilio.call("CAhint", "+14155550199", "/twilio/voice/gather?attempt=1"))

    pop = await console.next("call.incoming")
    assert pop["suggestions"] == []
    (hint,) = pop["hints"]
    assert hint["customer_id"] == chatter and hint["weak"] is True
    assert hint["reason"].startswith("Chatted on the website")
    assert await merges(lab.hub) == []


async def test_sms_yes_from_that_number_links(lab: PhoneLab) -> None:
    chatter = await chat(lab.live.url, STORY)

    await text_in(lab.http, lab.settings, CALLER, "hi, about my lamp", "SMyes1")
    texter = (await event_by_sid(lab.hub, "SMyes1")).customer_id
    assert texter != chatter
    async with lab.hub.read() as session:
        prompt = (
            await session.execute(
                select(Event).where(Event.customer_id == texter, Event.direction == "out")
            )
        ).scalar_one()
    assert prompt.body == CONFIRM_PROMPT and prompt.data["claimant_customer_id"] == chatter
    assert await merges(lab.hub) == []

    await text_in(lab.http, lab.settings, CALLER, "YES", "SMyes2")

    (merge,) = await merges(lab.hub)
    assert merge.source_customer_id == texter and merge.target_customer_id == chatter
    assert merge.actor == "sms-confirm"
    assert (await event_by_sid(lab.hub, "SMyes2")).customer_id == chatter


async def test_sms_without_yes_links_nothing(lab: PhoneLab) -> None:
    chatter = await chat(lab.live.url, STORY)
    await text_in(lab.http, lab.settings, CALLER, "hi, about my lamp", "SMno1")
    await text_in(lab.http, lab.settings, CALLER, "no, who are you?", "SMno2")
    assert await merges(lab.hub) == []
    assert (await event_by_sid(lab.hub, "SMno2")).customer_id != chatter


async def test_a_chat_mentioning_a_recent_texter_is_only_a_suggestion(lab: PhoneLab) -> None:
    """The other way round: the visitor writes a number that texted in; the agent gets
    a suggestion, the visitor sees nothing of that number's history."""
    await text_in(lab.http, lab.settings, CALLER, "my secret order is W-55555", "SMfirst")
    owner = (await event_by_sid(lab.hub, "SMfirst")).customer_id
    tab = Visitor(lab.live.url)
    try:
        session = await tab.connect()
        ack = await tab.send("I'm the one with (415) 556-4601, what did I order?")
        again = Visitor(lab.live.url, {"visitor_token": session["visitor_token"]})
        seen = await again.connect()
        await again.close()
    finally:
        await tab.close()
    assert ack["customer_id"] != owner
    assert [m["body"] for m in seen["messages"]] == [
        "I'm the one with (415) 556-4601, what did I order?"
    ]
    reason = (await reasons_for(lab.hub, ack["customer_id"]))[owner]
    assert reason.startswith(f"They texted from {CALLER}")
    assert await merges(lab.hub) == []


async def test_known_order_numbers_are_details_unknown_tokens_are_not(lab: PhoneLab) -> None:
    async with lab.hub.uow() as uow:
        await upsert_order(
            uow, OrderInput(external_id="pos-1", email="a@example.com", number="A-1001")
        )
    customer = await chat(
        lab.live.url,
        "about A-1001 and W-77123, not B-2002; sku LMP-204 costs $49.00 since 2024-05-12",
    )
    async with lab.hub.read() as session:
        found = await session.execute(
            select(Detail.key, Detail.value, Detail.origin).where(Detail.customer_id == customer)
        )
        details = set(found.all())
    assert details == {
        ("order_number", "A-1001", "text"),  # a known order's number
        ("order_number", "W-77123", "text"),  # the shop's pattern (HUB_ORDER_NUMBER_PATTERN)
    }


async def test_an_order_number_keyed_in_is_only_a_suggestion(lab: PhoneLab) -> None:
    agent = await make_agent(lab.hub, "Forrest")
    async with lab.hub.uow() as uow:
        order, _ = await upsert_order(
            uow, OrderInput(external_id="shop-77123", email="jenny@example.com", number="W-77123")
        )
    buyer = order.customer_id
    console = await lab.online(agent)

    asked = twiml(await lab.twilio.call("CAorder", "+14155550188"))
    assert "order number" in said(asked)
    root = twiml(
        await lab.twilio.call(
            "CAorder", "+14155550188", "/twilio/voice/gather?attempt=1", Digits="77123"
        )
    )

    assert verbs(root) == ["Say", "Dial"]
    pop = await console.next("call.incoming")
    assert pop["customer_id"] != buyer and pop["recognised_by"] == "new"
    (suggestion,) = pop["suggestions"]
    assert suggestion["customer_id"] == buyer
    assert suggestion["reason"] == "The caller keyed in 77123: their order W-77123"
    assert await merges(lab.hub) == []
