"""Each frame type over a real WebSocket on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from hub.events import DomainEvent
from hub.models import Detail, Event, Identity, Order
from tests.conftest import LiveServer
from tests.connectors.instore.conftest import (
    Keys,
    agent_cookie,
    call,
    count,
    recv_json,
    sms_customer_with_order,
    terminal,
)


async def test_lookup_by_each_key_returns_the_context_card(instore: LiveServer, keys: Keys) -> None:
    customer_id = await sms_customer_with_order(instore.hub)
    async with terminal(instore, keys.associate) as ws:
        ack = await call(
            ws,
            {
                "id": "d1",
                "type": "detail",
                "customer_id": customer_id,
                "key": "loyalty_id",
                "value": "gold-77",
            },
        )
        assert ack["ok"], ack
        await call(
            ws,
            {
                "id": "d2",
                "type": "detail",
                "customer_id": customer_id,
                "key": "name",
                "value": "Ada Lovelace",
            },
        )
        by_phone = await call(ws, {"id": "l1", "type": "lookup", "phone": "(555) 123-0000"})
        by_loyalty = await call(ws, {"id": "l2", "type": "lookup", "loyalty_id": "GOLD-77"})
        by_name = await call(ws, {"id": "l3", "type": "lookup", "name": "lovelace"})
        by_email = await call(ws, {"id": "l4", "type": "lookup", "email": "nobody@example.com"})
    for ack in (by_phone, by_loyalty, by_name):
        assert ack["ok"] and ack["found"], ack
        assert ack["customer"]["id"] == customer_id
    card = by_phone["customer"]
    assert {i["kind"] for i in card["identities"]} == {"phone", "loyalty"}
    assert {d["key"] for d in card["details"]} == {"loyalty_id", "name"}
    assert card["last_message_by_channel"]["sms"]["body"] == "Is my blue kettle ready for pickup?"
    assert card["orders"][0]["items"][0]["name"] == "Blue kettle"
    assert card["thread"]["status"] == "open"
    assert by_email == {
        "type": "ack",
        "id": "l4",
        "ok": True,
        "found": False,
        "customer": None,
        "matches": [],
    }


async def test_checkin_creates_a_walk_in_and_records_a_visit(
    instore: LiveServer, keys: Keys
) -> None:
    async with terminal(instore, keys.associate) as ws:
        ack = await call(
            ws,
            {
                "id": "c1",
                "type": "checkin",
                "phone": "+1 555 999 0001",
                "name": "Walk In",
                "reason": "returns",
            },
        )
    assert ack["ok"] and ack["new_customer"] is True
    async with instore.hub.read() as session:
        visit = (await session.execute(select(Event).where(Event.type == "visit"))).scalar_one()
        identity = (await session.execute(select(Identity))).scalar_one()
    assert visit.id == ack["event_id"] and visit.customer_id == ack["customer_id"]
    assert visit.channel == "instore" and visit.terminal_id == keys.associate_id
    assert visit.body == "Checked in at S1: returns"
    assert identity.verification == "asserted"


async def test_note_detail_and_purchase(instore: LiveServer, keys: Keys) -> None:
    customer_id = await sms_customer_with_order(instore.hub)
    async with terminal(instore, keys.associate) as ws:
        note = await call(
            ws,
            {
                "id": "n1",
                "type": "note",
                "customer_id": customer_id,
                "body": "Prefers pickup at the back door",
            },
        )
        detail = await call(
            ws,
            {
                "id": "d1",
                "type": "detail",
                "customer_id": customer_id,
                "key": "email",
                "value": "Ada@Example.com",
            },
        )
        purchase = await call(
            ws,
            {
                "id": "p1",
                "type": "purchase",
                "receipt_id": "R-0001",
                "phone": "5551230000",
                "items": [
                    {"name": "Tea towel", "quantity": 2, "unit_price_cents": 800, "sku": "TT-1"}
                ],
            },
        )
    assert note["ok"] and detail["ok"] and purchase["ok"], (note, detail, purchase)
    order = purchase["order"]
    assert order["source"] == "store" and order["store_code"] == "S1"
    assert order["number"] == "R-0001" and order["total_cents"] == 1600
    assert purchase["customer_id"] == customer_id and purchase["created"] is True
    async with instore.hub.read() as session:
        note_row = await session.get(Event, note["event_id"])
        email = (
            await session.execute(select(Identity).where(Identity.kind == "email"))
        ).scalar_one()
        purchase_event = (
            await session.execute(
                select(Event).where(Event.type == "purchase", Event.channel == "instore")
            )
        ).scalar_one()
    assert note_row is not None and note_row.type == "note" and note_row.channel == "instore"
    assert email.address == "ada@example.com" and email.customer_id == customer_id
    assert purchase_event.terminal_id == keys.associate_id
    assert await count(instore.hub, Detail) == 1
    assert await count(instore.hub, Order) == 2


async def test_message_goes_out_on_the_customers_channel(instore: LiveServer, keys: Keys) -> None:
    customer_id = await sms_customer_with_order(instore.hub)
    async with terminal(instore, keys.associate) as ws:
        ack = await call(
            ws,
            {
                "id": "m1",
                "type": "message",
                "customer_id": customer_id,
                "body": "Your kettle is at the counter.",
            },
        )
        refused = await call(
            ws,
            {
                "id": "m2",
                "type": "message",
                "customer_id": customer_id,
                "body": "hi",
                "channel": "instore",
            },
        )
    assert ack["ok"] and ack["channel"] == "sms" and ack["status"] == "pending", ack
    assert refused["error"]["code"] == "unreachable"
    async with instore.hub.read() as session:
        event = await session.get(Event, ack["event_id"])
    assert event is not None and event.direction == "out"
    assert event.data["via"] == "instore" and event.terminal_id == keys.associate_id


async def test_assist_reaches_the_console_and_the_reply_comes_back(
    instore: LiveServer, keys: Keys
) -> None:
    customer_id = await sms_customer_with_order(instore.hub)
    seen: list[str] = []

    async def listener(event: DomainEvent) -> None:
        seen.append(event.name)

    instore.hub.subscribe(listener)
    agent_id, cookie, csrf = await agent_cookie(instore.hub)
    async with terminal(instore, keys.associate) as ws:
        ack = await call(
            ws,
            {
                "id": "a1",
                "type": "assist",
                "customer_id": customer_id,
                "body": "Customer asks about a refund for W1001",
            },
        )
        assert ack["ok"], ack
        assert "assist.requested" in seen
        url = f"{instore.url}/instore/assists/{ack['assist_id']}/reply"
        async with httpx.AsyncClient(headers={"Cookie": cookie}) as http:
            no_csrf = await http.post(url, json={"body": "x"})
            answer = await http.post(
                url,
                json={"body": "Refund approved, go ahead."},
                headers={"X-CSRF-Token": csrf},
            )
        async with httpx.AsyncClient() as http:
            anonymous = await http.post(url, json={"body": "x"})
        assert no_csrf.status_code == 403 and anonymous.status_code == 401
        assert answer.status_code == 200, answer.text
        pushed = await recv_json(ws)
    assert pushed["type"] == "assist.reply" and pushed["assist_id"] == ack["assist_id"]
    assert pushed["body"] == "Refund approved, go ahead."
    assert pushed["agent"] == {"id": agent_id, "name": "Grace Agent"}
    async with instore.hub.read() as session:
        request = await session.get(Event, ack["assist_id"])
    assert request is not None and request.data["status"] == "answered"
    async with terminal(instore, keys.associate) as ws:
        card = (await call(ws, {"id": "l9", "type": "lookup", "customer_id": customer_id}))[
            "customer"
        ]
    assert [a["body"] for a in card["assists"]] == [
        "Refund approved, go ahead.",
        "Customer asks about a refund for W1001",
    ]
