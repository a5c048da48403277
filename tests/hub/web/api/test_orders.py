"""POST /orders: create or update by external_id, idempotently."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from hub.core import Hub
from hub.models import Customer, Event, Order, OrderItem
from tests.hub.web.api.conftest import conforms_to_doc

ORDER: dict[str, Any] = {
    "external_id": "shop-1001",
    "number": "1001",
    "phone": "+1 555 123 0000",
    "name": "Maria Gonzalez",
    "status": "placed",
    "placed_at": "2024-05-01T10:00:00Z",
    "items": [
        {"sku": "TEE-M", "name": "T-shirt", "quantity": 2, "unit_price_cents": 1500},
        {"name": "Socks", "unit_price_cents": 500},
    ],
}


async def count(hub: Hub, model: type, *where: Any) -> int:
    async with hub.read() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int((await session.execute(query)).scalar_one())


async def test_same_payload_twice_is_one_order_and_one_purchase(
    api: httpx.AsyncClient, api_hub: Hub
) -> None:
    created = await api.post("/orders", json=ORDER)
    assert created.status_code == 201, created.text
    conforms_to_doc(created, "/orders", "post")
    order = created.json()
    assert order["total_cents"] == 3500
    assert order["placed_at"] == "2024-05-01T10:00:00Z"
    assert [i["name"] for i in order["items"]] == ["T-shirt", "Socks"]

    again = await api.post("/orders", json=ORDER)
    assert again.status_code == 200, again.text
    conforms_to_doc(again, "/orders", "post")
    assert again.json() == order
    assert await count(api_hub, Order) == 1
    assert await count(api_hub, OrderItem) == 2
    assert await count(api_hub, Customer) == 1
    assert await count(api_hub, Event, Event.type == "purchase") == 1

    customer = (await api.get(f"/customers/{order['customer_id']}")).json()
    assert customer["name"] == "Maria Gonzalez"
    assert [i["address"] for i in customer["identities"]] == ["+15551230000"]


async def test_update_changes_status_and_items(api: httpx.AsyncClient, api_hub: Hub) -> None:
    first = (await api.post("/orders", json=ORDER)).json()
    update = {
        **ORDER,
        "status": "ready_for_pickup",
        "pickup_location": "Store DT1",
        "items": [{"name": "T-shirt", "quantity": 1, "unit_price_cents": 1500}],
    }
    response = await api.post("/orders", json=update)
    assert response.status_code == 200, response.text
    order = response.json()
    assert order["id"] == first["id"]
    assert (order["status"], order["pickup_location"]) == ("ready_for_pickup", "Store DT1")
    assert order["total_cents"] == 1500 and len(order["items"]) == 1
    assert await count(api_hub, Event, Event.type == "purchase") == 1


async def test_linked_by_customer_id_or_email(api: httpx.AsyncClient) -> None:
    by_email = await api.post(
        "/orders", json={"external_id": "e-1", "email": "Ana@Example.com", "source": "online"}
    )
    assert by_email.status_code == 201, by_email.text
    customer_id = by_email.json()["customer_id"]
    by_id = await api.post(
        "/orders",
        json={
            "external_id": "pos-1",
            "customer_id": customer_id,
            "source": "store",
            "store_code": "dt1",
            "currency": "eur",
            "total_cents": 1299,
        },
    )
    assert by_id.status_code == 201, by_id.text
    assert by_id.json()["customer_id"] == customer_id
    assert (by_id.json()["store_code"], by_id.json()["currency"]) == ("DT1", "EUR")
    card = (await api.get(f"/customers/{customer_id}")).json()
    assert [i["address"] for i in card["identities"]] == ["ana@example.com"]
    assert {o["external_id"] for o in card["orders"]} == {"e-1", "pos-1"}


async def test_long_external_id_without_number(api: httpx.AsyncClient) -> None:
    response = await api.post("/orders", json={"external_id": "x" * 122, "email": "a@b.co"})
    assert response.status_code == 201, response.text
    assert len(response.json()["number"]) == 64


async def test_unknown_customer_id_is_404(api: httpx.AsyncClient) -> None:
    response = await api.post("/orders", json={"external_id": "x-1", "customer_id": 424242})
    assert response.status_code == 404
    conforms_to_doc(response, "/orders", "post")
