"""Acks only after commit; a resent frame id gets the stored ack and no second effect."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sqlalchemy import select

from hub.models import Event, Order, TerminalFrame
from tests.conftest import LiveServer
from tests.connectors.instore.conftest import (
    Keys,
    call,
    count,
    sms_customer_with_order,
    terminal,
)

SALE = {
    "id": "pos-frame-1",
    "type": "purchase",
    "receipt_id": "R-77",
    "phone": "+15551230000",
    "items": [{"name": "Kettle descaler", "quantity": 3, "unit_price_cents": 350}],
}


async def stored_ack(live: LiveServer, frame_id: str) -> dict[str, Any]:
    async with live.hub.read() as session:
        row = await session.execute(
            select(TerminalFrame.ack).where(TerminalFrame.frame_id == frame_id)
        )
        return dict(row.scalar_one())


async def test_resend_after_a_dropped_connection_has_one_effect(
    instore: LiveServer, keys: Keys
) -> None:
    await sms_customer_with_order(instore.hub)
    # The terminal sends the sale and loses its connection before any ack arrives:
    # the hub commits, then finds nobody to ack.
    async with terminal(instore, keys.pos) as ws:
        await ws.send(json.dumps(SALE))
        await ws.close()
    for _ in range(250):
        if await count(instore.hub, Order, Order.source == "store") == 1:
            break
        await asyncio.sleep(0.02)
    committed = await stored_ack(instore, SALE["id"])
    assert committed["ok"] and committed["order"]["number"] == "R-77"
    # Back online, it resends its queue and gets the ack it missed.
    async with terminal(instore, keys.pos) as ws:
        first = await call(ws, SALE)
    assert first == committed
    assert await count(instore.hub, Order, Order.source == "store") == 1
    assert await count(instore.hub, Event, Event.channel == "instore") == 1
    # The REST mirror answers the same id with the same ack.
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{instore.url}/instore/v1/purchase",
            json=SALE,
            headers={"Authorization": f"Bearer {keys.pos}"},
        )
    assert response.status_code == 200 and response.json() == first
    assert await count(instore.hub, Order, Order.source == "store") == 1


async def test_the_same_new_frame_on_two_sockets_at_once_applies_once(
    instore: LiveServer, keys: Keys
) -> None:
    await sms_customer_with_order(instore.hub)
    async with terminal(instore, keys.pos) as one, terminal(instore, keys.pos) as two:
        first, second = await asyncio.gather(call(one, SALE), call(two, SALE))
    assert first["ok"] and first == second
    assert await count(instore.hub, Order, Order.source == "store") == 1
    assert await count(instore.hub, Event, Event.channel == "instore") == 1


async def test_rest_mirror_acks_like_the_socket(instore: LiveServer, keys: Keys) -> None:
    customer_id = await sms_customer_with_order(instore.hub)
    frame = {"id": "rest-1", "customer_id": customer_id, "reason": "pickup"}
    url = f"{instore.url}/instore/v1/checkin"
    auth = {"Authorization": f"Bearer {keys.associate}"}
    async with httpx.AsyncClient(headers=auth) as http:
        first = await http.post(url, json=frame)
        again = await http.post(url, json=frame)
        wrong_type = await http.post(url, json={**frame, "id": "rest-2", "type": "note"})
        refused = await http.post(
            f"{instore.url}/instore/v1/note",
            json={"id": "rest-3", "customer_id": 424242, "body": "x"},
        )
        bad_json = await http.post(url, content=b"{oops")
        unknown = await http.post(f"{instore.url}/instore/v1/teleport", json={"id": "rest-4"})
    async with httpx.AsyncClient() as http:
        no_key = await http.post(url, json=frame)
    assert first.status_code == 200 and first.json()["ok"] and first.json() == again.json()
    async with terminal(instore, keys.associate) as ws:
        assert await call(ws, {**frame, "type": "checkin"}) == first.json()
    assert await count(instore.hub, Event, Event.type == "visit") == 1
    assert wrong_type.status_code == 400
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert bad_json.status_code == 400 and bad_json.json()["error"]["code"] == "bad_json"
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_type"
    assert no_key.status_code == 401 and no_key.json()["error"]["code"] == "unauthorized"


async def test_same_frame_id_from_another_terminal_is_a_different_frame(
    instore: LiveServer, keys: Keys
) -> None:
    customer_id = await sms_customer_with_order(instore.hub)
    frame = {"id": "n-1", "type": "note", "customer_id": customer_id, "body": "hello"}
    async with terminal(instore, keys.associate) as ws:
        first = await call(ws, frame)
    async with terminal(instore, keys.kiosk) as ws:
        kiosk = await call(ws, frame)
    assert first["ok"] and kiosk["error"]["code"] == "forbidden"
