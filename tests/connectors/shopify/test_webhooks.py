"""POST /shopify/webhooks: signatures, replays, out-of-order versions, customers."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
from sqlalchemy import func, select

from hub.models import Customer, Event, Identity, Order, ProviderDelivery
from hub.models.customer import VERIFIED
from tests.conftest import LiveServer
from tests.connectors.shopify.conftest import SimServer, post_webhook, signed


def order_payload(order_id: int = 820982911946154508, **changes: Any) -> dict[str, Any]:
    """An orders/create payload in Shopify's shape (trimmed to what the hub reads)."""
    payload: dict[str, Any] = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": "#9999",
        "email": "Jon@Example.com",
        "phone": "+15551230001",
        "created_at": "2026-11-20T10:00:00-05:00",
        "updated_at": "2026-11-20T10:00:00-05:00",
        "cancelled_at": None,
        "financial_status": "paid",
        "fulfillment_status": None,
        "currency": "USD",
        "total_price": "158.00",
        "customer": {"id": 115310627314723954, "first_name": "Jon", "last_name": "Snow"},
        "line_items": [
            {
                "id": 866550311766439020,
                "sku": "RUN-TRL-85",
                "name": "Trail running shoes",
                "quantity": 1,
                "price": "129.00",
            },
            {
                "id": 141249953214522974,
                "sku": "BTL-STL-75",
                "name": "Steel bottle 750 ml",
                "quantity": 1,
                "price": "29.00",
            },
        ],
        "shipping_address": {"name": "Jon Snow", "address1": "1 Wall St", "city": "Castle Black"},
        "shipping_lines": [{"code": "Standard", "title": "Standard", "source": "shopify"}],
    }
    payload.update(changes)
    return payload


async def count(live: LiveServer, model: type, *where: Any) -> int:
    async with live.hub.read() as session:
        query = select(func.count()).select_from(model)
        if where:
            query = query.where(*where)
        return int((await session.execute(query)).scalar_one())


async def stored(live: LiveServer, external_id: str) -> Order:
    async with live.hub.read() as session:
        order = (
            await session.execute(select(Order).where(Order.external_id == external_id))
        ).scalar_one()
        return order


async def test_signed_order_is_stored_with_verified_customer(shop_hub: LiveServer) -> None:
    response = await post_webhook(shop_hub.url, "orders/create", order_payload())
    assert response.status_code == 200, response.text
    order = await stored(shop_hub, "shopify:820982911946154508")
    assert (order.number, order.status, order.total_cents) == ("#9999", "paid", 15800)
    assert [(i.sku, i.external_id) for i in order.items] == [
        ("RUN-TRL-85", "866550311766439020"),
        ("BTL-STL-75", "141249953214522974"),
    ]
    assert order.shipping_address == {
        "name": "Jon Snow",
        "address1": "1 Wall St",
        "city": "Castle Black",
    }
    async with shop_hub.hub.read() as session:
        identities = (
            (
                await session.execute(
                    select(Identity).where(Identity.customer_id == order.customer_id)
                )
            )
            .scalars()
            .all()
        )
        customer = await session.get(Customer, order.customer_id)
        purchase = (
            await session.execute(select(Event).where(Event.type == "purchase"))
        ).scalar_one()
    # The shop vouches for its customer's email and phone.
    assert {(i.kind, i.address, i.verification) for i in identities} == {
        ("email", "jon@example.com", VERIFIED),
        ("phone", "+15551230001", VERIFIED),
    }
    assert customer is not None and customer.name == "Jon Snow"
    assert purchase.channel == "shopify" and purchase.customer_id == order.customer_id


async def test_forged_or_unsigned_webhooks_are_refused(shop_hub: LiveServer) -> None:
    payload = order_payload()
    body = json.dumps(payload).encode()
    headers = signed(body, "orders/create")
    headers["X-Shopify-Hmac-Sha256"] = signed(b"something else", "orders/create")[
        "X-Shopify-Hmac-Sha256"
    ]
    forged = await post_webhook(shop_hub.url, "orders/create", payload, headers=headers)
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "bad_signature"
    unsigned = dict(headers)
    del unsigned["X-Shopify-Hmac-Sha256"]
    assert (
        await post_webhook(shop_hub.url, "orders/create", payload, headers=unsigned)
    ).status_code == 401
    # A body changed after signing does not verify either.
    tampered = signed(body, "orders/create")
    body2 = json.dumps(order_payload(total_price="0.01")).encode()
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{shop_hub.url}/shopify/webhooks", content=body2, headers=tampered
        )
    assert response.status_code == 401
    assert await count(shop_hub, Order) == 0
    assert await count(shop_hub, ProviderDelivery) == 0


async def test_a_replayed_webhook_changes_nothing(shop_hub: LiveServer) -> None:
    first = await post_webhook(shop_hub.url, "orders/create", order_payload(), webhook_id="w-1")
    assert first.json() == {"ok": True}
    # Same delivery id, even with a different body: a redelivery, ignored.
    later = order_payload(updated_at="2026-11-21T10:00:00Z", financial_status="refunded")
    again = await post_webhook(shop_hub.url, "orders/updated", later, webhook_id="w-1")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    order = await stored(shop_hub, "shopify:820982911946154508")
    assert order.status == "paid"
    assert await count(shop_hub, Event, Event.type == "purchase") == 1


async def test_an_older_version_never_overwrites_a_newer_one(shop_hub: LiveServer) -> None:
    created = order_payload()
    newer = copy.deepcopy(created)
    newer.update(
        updated_at="2026-11-20T16:00:00Z",
        cancelled_at="2026-11-20T16:00:00Z",
        financial_status="refunded",
    )
    older = copy.deepcopy(created)
    older.update(updated_at="2026-11-20T15:30:00Z", financial_status="partially_refunded")
    older["line_items"] = older["line_items"][:1]
    for topic, payload in (
        ("orders/create", created),
        ("orders/cancelled", newer),
        ("orders/updated", older),
    ):
        assert (await post_webhook(shop_hub.url, topic, payload)).status_code == 200
    order = await stored(shop_hub, "shopify:820982911946154508")
    assert order.status == "cancelled"
    assert len(order.items) == 2
    assert order.shop_updated_at is not None
    assert order.shop_updated_at.isoformat().startswith("2026-11-20T16:00:00")


async def test_customers_update_states_verified_identities(shop_hub: LiveServer) -> None:
    payload = {
        "id": 706405506930370084,
        "email": "bob@example.com",
        "phone": "+15551230002",
        "first_name": "Bob",
        "last_name": "Norman",
    }
    response = await post_webhook(shop_hub.url, "customers/update", payload)
    assert response.status_code == 200
    async with shop_hub.hub.read() as session:
        rows = (await session.execute(select(Identity.kind, Identity.verification))).all()
    assert sorted(rows) == [("email", VERIFIED), ("phone", VERIFIED)]


async def test_unknown_topics_are_acknowledged(shop_hub: LiveServer, shop_sim: SimServer) -> None:
    response = await post_webhook(shop_hub.url, "products/update", {"id": 1})
    assert response.status_code == 200
    assert await count(shop_hub, Order) == 0


async def test_without_the_secret_every_webhook_is_refused(server: LiveServer) -> None:
    # The default app has no SHOPIFY_API_SECRET: nothing can be signed right.
    response = await post_webhook(server.url, "orders/create", order_payload())
    assert response.status_code == 401
