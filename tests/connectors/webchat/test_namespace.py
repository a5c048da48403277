"""The /widget namespace over a real uvicorn server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import socketio
from sqlalchemy import func, select

from hub import events as ev
from hub.actions.merge import merge_customers
from hub.actions.replies import send_reply
from hub.actions.staff import create_agent
from hub.core import Hub
from hub.ingest import IngestBatcher
from hub.models import Detail, Event, Identity
from hub.settings import Settings
from hub.types import Inbound
from tests.conftest import LiveServer, agent_session_cookie, live_server
from tests.connectors.webchat.conftest import signed_user


async def agent_reply(hub: Hub, customer_id: int, body: str, agent_name: str = "Sam") -> int:
    async with hub.uow() as uow:
        agent = await create_agent(
            uow, f"{agent_name.lower()}@shop.example", agent_name, "pw-123456"
        )
        event = await send_reply(uow, customer_id, body, channel="webchat", agent_id=agent.id)
    return event.id


async def count_events(hub: Hub) -> int:
    async with hub.read() as db:
        return int((await db.execute(select(func.count()).select_from(Event))).scalar_one())


async def test_connect_sends_session_with_token(server: LiveServer, visitors: Any) -> None:
    _, session = await visitors(server.url)
    assert session["visitor_token"]
    assert session["customer_id"] is None
    assert session["messages"] == []
    assert session["verified"] is False
    assert session["online"] is False  # no agent console open


async def test_message_is_acked_after_commit(server: LiveServer, visitors: Any) -> None:
    visitor, _ = await visitors(server.url)
    ack = await visitor.send("Where is my order?", client_id="c1")
    assert ack["ok"] is True
    async with server.hub.read() as db:
        event = await db.get(Event, ack["id"])
        assert event is not None
        identity = await db.get(Identity, event.identity_id)
    assert (event.channel, event.direction, event.body) == ("webchat", "in", "Where is my order?")
    assert identity is not None and identity.kind == "visitor"
    assert identity.verification == "verified"
    assert ack["customer_id"] == event.customer_id


async def test_resend_with_same_client_id_is_a_no_op(server: LiveServer, visitors: Any) -> None:
    visitor, _ = await visitors(server.url)
    first = await visitor.send("hello", client_id="same-id")
    again = await visitor.send("hello", client_id="same-id")
    assert first["ok"] and again["ok"]
    assert again["id"] == first["id"]
    assert await count_events(server.hub) == 1


async def test_reconnect_with_token_keeps_customer_and_history(
    server: LiveServer, visitors: Any
) -> None:
    visitor, session = await visitors(server.url)
    ack = await visitor.send("first visit", client_id="a1")
    await agent_reply(server.hub, ack["customer_id"], "Hi! Let me check.")
    await visitor.next("message")
    await visitor.close()

    _, again = await visitors(server.url, auth={"visitor_token": session["visitor_token"]})
    # Rotated on use: a new token for the same visitor.
    assert again["visitor_token"] != session["visitor_token"]
    assert again["customer_id"] == ack["customer_id"]
    bodies = [(m["direction"], m["body"], m["agent_name"]) for m in again["messages"]]
    assert bodies == [("in", "first visit", None), ("out", "Hi! Let me check.", "Sam")]
    assert again["messages"][0]["client_id"] == "a1"


async def test_forged_token_gets_a_fresh_visitor(server: LiveServer, visitors: Any) -> None:
    visitor, session = await visitors(server.url)
    await visitor.send("mine")
    _, other = await visitors(server.url, auth={"visitor_token": session["visitor_token"] + "x"})
    assert other["visitor_token"] != session["visitor_token"]
    assert other["messages"] == []


async def test_agent_reply_reaches_every_open_tab(server: LiveServer, visitors: Any) -> None:
    tab1, session = await visitors(server.url)
    tab2, _ = await visitors(server.url, auth={"visitor_token": session["visitor_token"]})
    ack = await tab1.send("two tabs", client_id="t1")
    echoed = await tab2.next("message")  # the other tab shows what this one sent
    assert (echoed["id"], echoed["direction"]) == (ack["id"], "in")

    event_id = await agent_reply(server.hub, ack["customer_id"], "Hello both tabs", "Riley")
    for tab in (tab1, tab2):
        message = await tab.next("message")
        assert message["id"] == event_id
        assert message["direction"] == "out"
        assert (message["body"], message["agent_name"]) == ("Hello both tabs", "Riley")
    async with server.hub.read() as db:
        stored = await db.get(Event, event_id)
    assert stored is not None
    for _ in range(50):  # the outbox records the delivery just after emitting
        async with server.hub.read() as db:
            stored = await db.get(Event, event_id)
        if stored is not None and stored.status == "delivered":
            break
        await asyncio.sleep(0.05)
    assert stored is not None and stored.status == "delivered"


async def test_wrong_user_hash_is_refused(server: LiveServer, visitors: Any) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError, match="user_hash"):
        await visitors(server.url, auth={"user_id": "u-42", "user_hash": "00" * 32})


async def test_verified_user_on_second_device_joins_same_customer(
    server: LiveServer, visitors: Any
) -> None:
    laptop, session = await visitors(server.url, auth=signed_user("u-42"))
    assert session["verified"] is True
    ack = await laptop.send("from my laptop", client_id="l1")

    phone, other = await visitors(server.url, auth=signed_user("u-42"))
    assert other["visitor_token"] != session["visitor_token"]  # another browser
    assert other["customer_id"] == ack["customer_id"]
    assert [m["body"] for m in other["messages"]] == ["from my laptop"]
    event_id = await agent_reply(server.hub, ack["customer_id"], "Reply to all devices")
    assert (await laptop.next("message"))["id"] == event_id
    assert (await phone.next("message"))["id"] == event_id


async def test_prechat_answers_become_details(server: LiveServer, visitors: Any) -> None:
    visitor, _ = await visitors(server.url, auth={"name": "Ada Lovelace"})
    ack = await visitor.send(
        "Order question",
        details={"email": "ADA@Example.com", "order_number": "A-1001", "color": "ignored"},
    )
    assert ack["ok"]
    async with server.hub.read() as db:
        details = {
            d.key: d.value
            for d in (
                await db.execute(select(Detail).where(Detail.customer_id == ack["customer_id"]))
            ).scalars()
        }
        emails = (await db.execute(select(Identity).where(Identity.kind == "email"))).all()
    assert details == {"name": "Ada Lovelace", "email": "ada@example.com", "order_number": "A-1001"}
    assert emails == []  # a typed email is an asserted claim (a detail), not an identity


async def test_invalid_prechat_phone_is_a_clear_error(server: LiveServer, visitors: Any) -> None:
    visitor, _ = await visitors(server.url)
    ack = await visitor.send("hi", details={"phone": "call me maybe"})
    assert ack["ok"] is False and ack["error"] == "invalid_phone"
    assert await count_events(server.hub) == 0


async def test_typing_both_ways(server: LiveServer, visitors: Any) -> None:
    seen: list[ev.DomainEvent] = []

    async def listen(event: ev.DomainEvent) -> None:
        if event.name == ev.TYPING:
            seen.append(event)

    server.hub.subscribe(listen)
    visitor, _ = await visitors(server.url)
    ack = await visitor.send("hi")
    await visitor.client.emit("typing", {"typing": True}, namespace="/widget")
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.02)
    assert seen[0].payload == {"customer_id": ack["customer_id"], "who": "customer", "typing": True}

    payload = {"customer_id": ack["customer_id"], "who": "agent", "typing": True, "name": "Sam"}
    await server.hub.publish([ev.DomainEvent(ev.TYPING, payload, ack["customer_id"])])
    assert await visitor.next("typing") == {"typing": True, "name": "Sam"}


async def test_handoff_to_phone_gives_code_and_number(server: LiveServer, visitors: Any) -> None:
    visitor, _ = await visitors(server.url)
    ack = await visitor.call("handoff", {"to": "phone"})
    assert ack["ok"] is True
    assert ack["number"] == server.settings.twilio_voice_number
    assert len(ack["code"]) == 6 and ack["code"].isdigit()


async def test_handoff_by_sms_needs_a_verified_phone(server: LiveServer, visitors: Any) -> None:
    visitor, _ = await visitors(server.url)
    await visitor.send("text me instead", details={"phone": "+1 555 010 9999"})
    ack = await visitor.call("handoff", {"to": "sms"})
    # "unavailable" while no SMS connector is registered, else the asserted phone is refused.
    assert ack["ok"] is False
    assert ack["error"] in ("unavailable", "unverified_phone")


async def test_demo_shop_embeds_the_widget(server: LiveServer) -> None:
    import httpx

    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.url}/demo/shop")
    assert response.status_code == 200
    assert f'src="{server.url}/static/widget.js"' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_handoff_by_sms_texts_a_verified_phone(settings: Settings, visitors: Any) -> None:
    async with live_server(settings, run_outbox=False) as live:
        if live.hub.connector("sms") is None:
            pytest.skip("no connector reaches phones")
        visitor, _ = await visitors(live.url)
        ack = await visitor.send("text me", details={"phone": "+1 555 010 4242"})
        # The number then texts in: the phone network proves it — for a customer of its
        # own (typing proved nothing) until an agent links the two.
        texted = await IngestBatcher(live.hub).submit(
            Inbound(
                channel="sms", kind="phone", address="+15550104242", body="hi", provider_id="SM9"
            )
        )
        assert (await visitor.call("handoff", {"to": "sms"}))["error"] == "unverified_phone"
        async with live.hub.uow() as uow:
            await merge_customers(uow, texted.customer.id, ack["customer_id"], actor="test")
        handoff = await visitor.call("handoff", {"to": "sms"})
        assert handoff["ok"] is True
        assert handoff["number"] == settings.twilio_sms_number
        async with live.hub.read() as db:
            texts = list(
                (
                    await db.execute(
                        select(Event).where(Event.direction == "out", Event.channel == "sms")
                    )
                ).scalars()
            )
        assert len(texts) == 1 and handoff["code"] in (texts[0].body or "")
        assert texts[0].customer_id == ack["customer_id"]


async def test_status_reports_agent_presence(server: LiveServer, visitors: Any) -> None:
    visitor, _ = await visitors(server.url)
    assert await visitor.call("status", {}) == {"ok": True, "online": False, "hours": None}
    async with server.hub.uow() as uow:
        agent = await create_agent(uow, "kim@shop.example", "Kim", "pw-123456")
    # An agent's console socket, signed in with the session cookie the console sets.
    cookie, _ = await agent_session_cookie(server.hub, agent.id)
    console = socketio.AsyncClient(reconnection=False)
    await console.connect(
        server.url,
        namespaces=["/agent"],
        transports=["websocket"],
        headers={"Cookie": cookie, "Origin": server.url},
    )
    try:
        assert await visitor.call("status", {}) == {"ok": True, "online": True, "hours": None}
    finally:
        await console.disconnect()
