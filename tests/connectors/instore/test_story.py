"""The cross-channel story: a customer who texted and bought online walks into a store."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from hub.actions.customers import get_customer
from hub.queries.customers import customer_card
from hub.queries.timeline import timeline_page
from tests.conftest import LiveServer
from tests.connectors.instore.conftest import (
    Keys,
    agent_cookie,
    call,
    sms_customer_with_order,
    terminal,
)


async def test_sms_customer_walks_in_and_buys(instore: LiveServer, keys: Keys) -> None:
    customer_id = await sms_customer_with_order(instore.hub, phone="+15557654321")
    _, cookie, _ = await agent_cookie(instore.hub)
    console: list[tuple[str, Any]] = []
    order_seen = asyncio.Event()
    sio = socketio.AsyncClient()

    @sio.on("*", namespace="/agent")  # type: ignore[misc]
    async def record(name: str, payload: Any) -> None:
        console.append((name, payload))
        if name == "order.updated":
            order_seen.set()

    await sio.connect(
        instore.url, headers={"Cookie": cookie}, namespaces=["/agent"], transports=["websocket"]
    )
    try:
        async with terminal(instore, keys.associate) as ws:
            # The associate types the number the customer gives, as they say it.
            found = await call(ws, {"id": "s1", "type": "lookup", "phone": "555 765 4321"})
            card = found["customer"]
            assert card["id"] == customer_id
            sms = card["last_message_by_channel"]["sms"]
            assert sms["body"] == "Is my blue kettle ready for pickup?"
            assert [o["number"] for o in card["orders"]] == ["W1001"]
            assert card["orders"][0]["items"][0]["sku"] == "KET-BLUE"

            assert (
                await call(
                    ws,
                    {
                        "id": "s2",
                        "type": "checkin",
                        "customer_id": customer_id,
                        "reason": "collecting W1001",
                    },
                )
            )["ok"]
            bought = await call(
                ws,
                {
                    "id": "s3",
                    "type": "purchase",
                    "customer_id": customer_id,
                    "receipt_id": "S1-0042",
                    "items": [{"name": "Kettle descaler", "unit_price_cents": 350, "sku": "DSC"}],
                },
            )
            assert bought["ok"], bought
        async with asyncio.timeout(5):
            await order_seen.wait()
    finally:
        await sio.disconnect()

    # The console's context panel: both orders, online and in store, with items.
    async with instore.hub.read() as session:
        panel = await customer_card(session, await get_customer(session, customer_id))
        events, _ = await timeline_page(session, customer_id)
    assert {(o.number, o.source) for o in panel.orders} == {
        ("W1001", "online"),
        ("S1-0042", "store"),
    }
    store_order = next(o for o in panel.orders if o.source == "store")
    assert store_order.store_code == "S1" and store_order.items[0].name == "Kettle descaler"
    assert [e.type for e in events][:2] == ["purchase", "visit"]
    assert events[0].channel == "instore" and events[0].data["store_code"] == "S1"
    # ... and it arrived live.
    live = [p["event"]["type"] for name, p in console if name == "event.created"]
    assert "visit" in live and "purchase" in live
