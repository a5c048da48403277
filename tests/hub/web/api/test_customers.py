"""Customer search, the customer card and the paginated timeline."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from hub.actions.customers import Provenance, record_detail
from hub.actions.inbound import receive_inbound
from hub.actions.merge import merge_customers
from hub.actions.orders import OrderInput, upsert_order
from hub.core import Hub
from hub.models import Event
from hub.types import Inbound
from tests.hub.web.api.conftest import assert_error, conforms_to_doc


async def text_in(
    hub: Hub, body: str, sid: str, sender: str = "+15551230000", name: str = "Ana"
) -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="sms", kind="phone", address=sender, body=body, provider_id=sid, name=name
            ),
        )
        return received.customer.id


async def test_search_by_phone_email_and_text(api: httpx.AsyncClient, api_hub: Hub) -> None:
    customer_id = await text_in(api_hub, "hi", "SM1")
    async with api_hub.uow() as uow:
        await upsert_order(
            uow, OrderInput(external_id="W-1001", customer_id=customer_id, email="ana@example.com")
        )
    await text_in(api_hub, "other", "SM2", sender="+15559990000", name="Bob")

    for query in ("phone=(555) 123-0000", "q=W-1001", "q=ana", "phone=%2B15551230000&q=zzz"):
        response = await api.get(f"/customers?{query}")
        assert response.status_code == 200, response.text
        conforms_to_doc(response, "/customers")
        assert [c["id"] for c in response.json()["items"]] == [customer_id], query
        assert response.json()["items"][0]["thread"]["last_channel"] == "sms"
    assert (await api.get("/customers?email=nobody@example.com")).json() == {"items": []}
    assert (await api.get("/customers?phone=garbage")).json() == {"items": []}


async def test_customer_card_follows_merges(api: httpx.AsyncClient, api_hub: Hub) -> None:
    first = await text_in(api_hub, "my order W-7 is late", "SM1")
    second = await text_in(api_hub, "hello", "SM2", sender="+15559990000")
    async with api_hub.uow() as uow:
        await record_detail(uow, first, "order_number", "W-7", Provenance("sms"))
        await upsert_order(uow, OrderInput(external_id="W-7", customer_id=first, total_cents=999))
        await merge_customers(uow, second, first, actor="test")

    response = await api.get(f"/customers/{second}")
    assert response.status_code == 200, response.text
    conforms_to_doc(response, "/customers/{customer_id}")
    card = response.json()
    assert card["id"] == first
    assert card["name"] == "Ana"
    assert {i["address"] for i in card["identities"]} == {"+15551230000", "+15559990000"}
    assert [(d["key"], d["value"]) for d in card["details"]] == [("order_number", "W-7")]
    assert [o["external_id"] for o in card["orders"]] == ["W-7"]
    assert card["thread"]["status"] == "open"
    assert_error(await api.get("/customers/999999"), 404, "not_found")


async def test_timeline_pages_have_no_gaps_or_repeats(api: httpx.AsyncClient, api_hub: Hub) -> None:
    customer_id = await text_in(api_hub, "message 0", "SM0")
    for n in range(1, 23):
        await text_in(api_hub, f"message {n}", f"SM{n}")
    await text_in(api_hub, "someone else", "X1", sender="+15559990000")

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        url = f"/customers/{customer_id}/timeline?limit=5"
        response = await api.get(url + (f"&before={cursor}" if cursor else ""))
        assert response.status_code == 200, response.text
        conforms_to_doc(response, "/customers/{customer_id}/timeline")
        page = response.json()
        seen += [e["id"] for e in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    async with api_hub.read() as session:
        expected = list(
            (
                await session.execute(
                    select(Event.id)
                    .where(Event.customer_id == customer_id)
                    .order_by(Event.id.desc())
                )
            ).scalars()
        )
    assert seen == expected
    assert len(seen) == 23 and pages == 5
    first = (await api.get(f"/customers/{customer_id}/timeline?limit=1")).json()["items"][0]
    assert first["body"] == "message 22"
    for key in ("id", "type", "channel", "direction", "body", "created_at", "provider_id"):
        assert key in first
    assert (first["type"], first["channel"], first["direction"]) == ("message", "sms", "in")


async def test_notes_and_details(api: httpx.AsyncClient, api_hub: Hub) -> None:
    customer_id = await text_in(api_hub, "hi", "SM1")
    response = await api.post(f"/customers/{customer_id}/notes", json={"body": "VIP, be nice"})
    assert response.status_code == 201, response.text
    conforms_to_doc(response, "/customers/{customer_id}/notes", "post")
    assert (response.json()["type"], response.json()["channel"]) == ("note", "api")

    body = {"key": "Delivery address", "value": "1 Main St"}
    for _ in range(2):
        response = await api.post(f"/customers/{customer_id}/details", json=body)
        assert response.status_code == 201, response.text
        conforms_to_doc(response, "/customers/{customer_id}/details", "post")
    card = (await api.get(f"/customers/{customer_id}")).json()
    assert [(d["key"], d["value"]) for d in card["details"]] == [("delivery_address", "1 Main St")]
    assert_error(await api.post("/customers/424242/notes", json={"body": "x"}), 404, "not_found")


async def test_threads_listing_filters_and_pages(api: httpx.AsyncClient, api_hub: Hub) -> None:
    ids = [await text_in(api_hub, "hi", f"SM{n}", sender=f"+1555123000{n}") for n in range(7)]
    seen: list[int] = []
    cursor = None
    while True:
        url = "/threads?status=open&channel=sms&limit=3" + (f"&before={cursor}" if cursor else "")
        response = await api.get(url)
        assert response.status_code == 200, response.text
        conforms_to_doc(response, "/threads")
        seen += [c["id"] for c in response.json()["items"]]
        cursor = response.json()["next"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    assert (await api.get("/threads?channel=webchat")).json() == {"items": [], "next": None}
