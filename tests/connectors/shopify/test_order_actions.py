"""Order actions from the thread against the simulator: refund (amount shown first),
cancel, shipping address, resend; the shop's refusals, double submits, role limits."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from hub.models import AuditEntry, Event, Order, OrderAction, OutboxJob
from tests.conftest import LiveServer
from tests.connectors.shopify.conftest import SimServer
from tests.hub.web.console.conftest import csrf_of, make_agent, sign_in


@dataclass
class Console:
    client: httpx.AsyncClient
    csrf: str


@dataclass
class Bought:
    shop_id: int
    order_id: int
    customer_id: int
    shoes_item: int
    socks_item: int


async def console(live: LiveServer, email: str, role: str) -> AsyncIterator[Console]:
    await make_agent(live.hub, email, role=role, name=email.split("@")[0].title())
    async with httpx.AsyncClient(base_url=live.url) as client:
        assert (await sign_in(client, email)).status_code == 303
        page = await client.get("/")
        yield Console(client, csrf_of(page.text))


@pytest.fixture
async def admin(shop_hub: LiveServer) -> AsyncIterator[Console]:
    async for c in console(shop_hub, "boss@example.com", "admin"):
        yield c


@pytest.fixture
async def agent(shop_hub: LiveServer) -> AsyncIterator[Console]:
    async for c in console(shop_hub, "ann@example.com", "agent"):
        yield c


@pytest.fixture
async def bought(shop_hub: LiveServer, shop_sim: SimServer) -> Bought:
    sim = shop_sim.sim
    placed = sim.shop.place_order(
        email="maria@example.com",
        name="Maria Lopez",
        lines=[("RUN-TRL-85", 1), ("SOCK-MER-3", 2)],
    )
    sim.send_later([("orders/create", placed)])
    await sim.drain()
    async with shop_hub.hub.read() as session:
        order = (
            await session.execute(
                select(Order).where(Order.external_id == f"shopify:{placed['id']}")
            )
        ).scalar_one()
        shoes, socks = order.items
        assert order.customer_id is not None
        return Bought(placed["id"], order.id, order.customer_id, shoes.id, socks.id)


def actions_url(b: Bought) -> str:
    return f"/customers/{b.customer_id}/orders/{b.order_id}/actions"


def key_of(html: str, kind: str) -> str:
    form = html[html.index(f'/actions/{kind}"') :]
    match = re.search(r'name="key" value="([^"]+)"', form)
    assert match
    return match.group(1)


async def submit(c: Console, b: Bought, kind: str, data: dict[str, str]) -> httpx.Response:
    return await c.client.post(f"{actions_url(b)}/{kind}", data={"csrf": c.csrf, **data})


async def flash(c: Console, b: Bought) -> str:
    page = await c.client.get(f"/customers/{b.customer_id}")
    match = re.search(r'<p class="flash" role="alert">([^<]*)</p>', page.text)
    return match.group(1) if match else ""


async def timeline(live: LiveServer, b: Bought) -> list[str]:
    async with live.hub.read() as session:
        rows = await session.execute(
            select(Event.body)
            .where(Event.customer_id == b.customer_id, Event.type == "order_action")
            .order_by(Event.id)
        )
        return [str(body) for body in rows.scalars()]


async def test_refund_shows_the_amount_then_refunds_once(
    shop_hub: LiveServer, shop_sim: SimServer, admin: Console, bought: Bought
) -> None:
    thread = await admin.client.get(f"/customers/{bought.customer_id}")
    assert f'href="{actions_url(bought)}"' in thread.text
    review = await admin.client.get(
        actions_url(bought), params={"refund": "1", f"qty-{bought.socks_item}": "1"}
    )
    assert review.status_code == 200
    # One of the two socks packs, the amount asked of the shop.
    assert "Shopify will refund 24.00 USD" in review.text
    assert shop_sim.sim.shop.calls == ["HubSuggestedRefund"]
    key = key_of(review.text, "refund")
    # The timeline says what the shop refunded, whatever the form claimed.
    form = {"key": key, f"qty-{bought.socks_item}": "1", "amount_cents": "1"}
    # A double click: two submits of the same form at once.
    first, second = await asyncio.gather(
        submit(admin, bought, "refund", form), submit(admin, bought, "refund", form)
    )
    assert first.status_code == second.status_code == 303
    assert len(shop_sim.sim.shop.orders[bought.shop_id]["refunds"]) == 1
    assert shop_sim.sim.shop.calls.count("HubRefundCreate") == 1
    # And once more later: still nothing new at the shop.
    again = await submit(admin, bought, "refund", form)
    assert again.status_code == 303
    assert "Already done" in await flash(admin, bought)
    assert shop_sim.sim.shop.calls.count("HubRefundCreate") == 1
    assert (await timeline(shop_hub, bought)) == [
        "Shopify refunded the items — refund 1 × Merino socks (3 pack) (24.00 USD) on order #1001"
    ]
    async with shop_hub.hub.read() as session:
        audit = (
            (await session.execute(select(AuditEntry).where(AuditEntry.action == "order.refund")))
            .scalars()
            .all()
        )
        actions = (await session.execute(select(OrderAction))).scalars().all()
    assert [(a.actor, a.target_id, a.data["state"]) for a in audit] == [
        (f"agent:{actions[0].agent_id}", bought.order_id, "done")
    ]
    assert [(a.kind, a.state) for a in actions] == [("refund", "done")]
    # The shop's refunds/create webhook re-reads the order in the background.
    await shop_sim.sim.drain()
    await shop_hub.app.state.outbox.drain_once()
    async with shop_hub.hub.read() as session:
        jobs = (await session.execute(select(OutboxJob.kind, OutboxJob.state))).all()
        order = await session.get(Order, bought.order_id)
    assert ("shop_refresh", "done") in jobs
    assert order is not None and order.status == "partially_refunded"


async def test_the_shops_refusal_is_shown_plainly(
    shop_hub: LiveServer, shop_sim: SimServer, admin: Console, bought: Bought
) -> None:
    socks = {f"qty-{bought.socks_item}": "2"}
    review = {"refund": "1", **socks}
    page = await admin.client.get(actions_url(bought), params=review)
    assert (
        await submit(admin, bought, "refund", {"key": key_of(page.text, "refund"), **socks})
    ).status_code == 303
    page = await admin.client.get(actions_url(bought), params=review)
    assert "Shopify will refund 0.00 USD" in page.text  # nothing left to refund
    await submit(admin, bought, "refund", {"key": key_of(page.text, "refund"), **socks})
    message = await flash(admin, bought)
    assert message == ("The shop refused: Quantity cannot refund more items than were purchased")
    events = await timeline(shop_hub, bought)
    assert events[-1] == (
        "The shop refused to refund 2 × Merino socks (3 pack) on order #1001: "
        "Quantity cannot refund more items than were purchased"
    )
    # A fulfilled order cannot be cancelled: the shop's words again.
    shop_sim.sim.shop.orders[bought.shop_id]["fulfillment_status"] = "fulfilled"
    page = await admin.client.get(actions_url(bought))
    await submit(
        admin, bought, "cancel", {"key": key_of(page.text, "cancel"), "reason": "customer"}
    )
    assert await flash(admin, bought) == (
        "The shop refused: Cannot cancel an order that has been fulfilled"
    )


async def test_cancel_reaches_the_shop_and_comes_back_by_webhook(
    shop_hub: LiveServer, shop_sim: SimServer, admin: Console, bought: Bought
) -> None:
    page = await admin.client.get(actions_url(bought))
    response = await submit(
        admin, bought, "cancel", {"key": key_of(page.text, "cancel"), "reason": "customer"}
    )
    assert response.status_code == 303
    assert (
        response.headers["location"] == f"/customers/{bought.customer_id}#order-{bought.order_id}"
    )
    assert shop_sim.sim.shop.orders[bought.shop_id]["cancelled_at"]
    await shop_sim.sim.drain()
    async with shop_hub.hub.read() as session:
        order = await session.get(Order, bought.order_id)
        assert order is not None and order.status == "cancelled"
    assert await flash(admin, bought) == "Shopify is cancelling the order"


async def test_agents_change_the_address_and_resend_but_not_refund_or_cancel(
    shop_hub: LiveServer, shop_sim: SimServer, agent: Console, bought: Bought
) -> None:
    page = await agent.client.get(actions_url(bought))
    assert "Only an administrator may refund." in page.text
    assert "Only an administrator may cancel." in page.text
    assert '/actions/refund"' not in page.text and '/actions/cancel"' not in page.text
    for kind, data in (
        ("cancel", {"reason": "customer"}),
        ("refund", {f"qty-{bought.socks_item}": "1"}),
    ):
        refused = await submit(agent, bought, kind, {"key": f"forged-{kind}", **data})
        assert refused.status_code == 403
    assert shop_sim.sim.shop.calls == []

    address = {
        "name": "Maria Lopez",
        "address1": "9 New Road",
        "city": "Oakland",
        "zip": "94601",
        "country": "United States",
    }
    moved = await submit(agent, bought, "address", {"key": key_of(page.text, "address"), **address})
    assert moved.status_code == 303
    assert shop_sim.sim.shop.orders[bought.shop_id]["shipping_address"]["address1"] == "9 New Road"
    await shop_sim.sim.drain()
    async with shop_hub.hub.read() as session:
        order = await session.get(Order, bought.order_id)
        assert order is not None and order.shipping_address is not None
        assert order.shipping_address["city"] == "Oakland"
    resent = await submit(agent, bought, "resend", {"key": key_of(page.text, "resend")})
    assert resent.status_code == 303
    assert shop_sim.sim.shop.calls == ["HubOrderUpdate", "HubOrderInvoiceSend"]
    assert await timeline(shop_hub, bought) == [
        "Shopify updated the shipping address — ship order #1001 to Maria Lopez, 9 New Road, "
        "Oakland, 94601, United States",
        "Shopify sent the order's confirmation to the customer again — resend the "
        "confirmation of order #1001",
    ]
    # Without the CSRF token nothing happens at all.
    naked = await agent.client.post(f"{actions_url(bought)}/resend", data={"key": "k-2"})
    assert naked.status_code == 403
