"""Buy online, pick up in store: status on the order, the customer told once on the
channel they last used, the store's pickup list on its terminals."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from hub.actions.staff import create_store, create_terminal
from hub.core import Hub
from hub.ingest import IngestBatcher
from hub.models import Event, Order
from hub.types import Inbound
from tests.conftest import LiveServer, live_server, make_settings
from tests.connectors.shopify.conftest import SimServer, shop_environ

PHONE = "+15551230020"


async def customer_on(hub: Hub, channel: str) -> int:
    """A customer who texted the shop, then (for webchat) chatted on the website."""
    sms = await IngestBatcher(hub).submit(
        Inbound(
            channel="sms",
            kind="phone",
            address=PHONE,
            body="Is my order in?",
            provider_id="SM" + "2" * 32,
        )
    )
    if channel == "webchat":
        await IngestBatcher(hub).submit(
            Inbound(
                channel="webchat",
                kind="visitor",
                address="visitor-20",
                verified=False,
                body="Hi again, on the website now",
                provider_id="wc-20",
                customer_id=sms.customer.id,
            )
        )
    return sms.customer.id


async def place_pickup(shop_sim: SimServer) -> int:
    order = shop_sim.sim.shop.place_order(
        email=None,
        phone=PHONE,
        name="Pia Pickup",
        lines=[("JKT-RAIN-M", 1)],
        pickup_at="Downtown flagship",
    )
    shop_sim.sim.send_later([("orders/create", order)])
    await shop_sim.sim.drain()
    return int(order["id"])


async def merchant(shop_sim: SimServer, order_id: int, step: str) -> None:
    async with httpx.AsyncClient(base_url=shop_sim.url) as client:
        assert (await client.post(f"/_sim/orders/{order_id}/{step}")).status_code == 200
    await shop_sim.sim.drain()
    assert all(status == 200 for _, _, status in shop_sim.sim.sent), shop_sim.sim.sent


async def notices(hub: Hub) -> list[Event]:
    async with hub.read() as session:
        return list(
            (
                await session.execute(
                    select(Event).where(Event.direction == "out").order_by(Event.id)
                )
            ).scalars()
        )


async def order_of(hub: Hub, order_id: int) -> Order:
    async with hub.read() as session:
        return (
            await session.execute(select(Order).where(Order.external_id == f"shopify:{order_id}"))
        ).scalar_one()


@pytest.mark.parametrize("last_channel", ["sms", "webchat"])
async def test_ready_for_pickup_is_told_once_on_the_last_channel(
    shop_hub: LiveServer, shop_sim: SimServer, last_channel: str
) -> None:
    customer_id = await customer_on(shop_hub.hub, last_channel)
    order_id = await place_pickup(shop_sim)
    order = await order_of(shop_hub.hub, order_id)
    assert (order.customer_id, order.pickup_location, order.pickup_status) == (
        customer_id,
        "Downtown flagship",
        "pending",
    )
    assert await notices(shop_hub.hub) == []

    await merchant(shop_sim, order_id, "ready")
    assert (await order_of(shop_hub.hub, order_id)).pickup_status == "ready"
    told = await notices(shop_hub.hub)
    assert [(e.channel, e.customer_id, e.status) for e in told] == [
        (last_channel, customer_id, "pending")
    ]
    assert told[0].body is not None
    assert "ready for pickup at Downtown flagship" in told[0].body

    # The shop saying it again (another fulfilment, the order re-sent) tells nobody twice.
    await merchant(shop_sim, order_id, "ready")
    shop_sim.sim.send_later([("orders/updated", shop_sim.sim.shop.orders[order_id])])
    await shop_sim.sim.drain()
    await merchant(shop_sim, order_id, "picked_up")
    assert (await order_of(shop_hub.hub, order_id)).pickup_status == "picked_up"
    assert len(await notices(shop_hub.hub)) == 1


async def test_notifications_can_be_turned_off(
    db_url: str, tmp_path: Path, shop_sim: SimServer
) -> None:
    settings = make_settings(
        db_url, tmp_path, environ=shop_environ(shop_sim.url), pickup_notifications=False
    )
    async with live_server(settings, run_outbox=False) as live:
        shop_sim.sim.hub_url = live.url
        await customer_on(live.hub, "sms")
        order_id = await place_pickup(shop_sim)
        await merchant(shop_sim, order_id, "ready")
        assert (await order_of(live.hub, order_id)).pickup_status == "ready"
        assert await notices(live.hub) == []


async def test_store_terminals_see_the_days_pickups(
    shop_hub: LiveServer, shop_sim: SimServer
) -> None:
    async with shop_hub.hub.uow() as uow:
        await create_store(uow, "DT1", "Downtown flagship", timezone="America/New_York")
        await create_store(uow, "MALL", "Riverside Mall")
        _, counter = await create_terminal(uow, "DT1", "counter", role="associate")
        _, pos = await create_terminal(uow, "DT1", "pos", role="pos")
        _, kiosk = await create_terminal(uow, "DT1", "kiosk", role="kiosk")
        _, mall = await create_terminal(uow, "MALL", "mall counter", role="associate")
    customer_id = await customer_on(shop_hub.hub, "sms")
    order_id = await place_pickup(shop_sim)
    await merchant(shop_sim, order_id, "ready")

    async def pickups(key: str, frame_id: str = "p-1") -> httpx.Response:
        async with httpx.AsyncClient(base_url=shop_hub.url) as client:
            return await client.post(
                "/instore/v1/pickups",
                json={"id": frame_id},
                headers={"Authorization": f"Bearer {key}"},
            )

    for key in (counter, pos):
        ack = (await pickups(key)).json()
        assert ack["ok"] is True and ack["store"] == "DT1"
        [pickup] = ack["pickups"]
        assert pickup["status"] == "ready" and pickup["customer_id"] == customer_id
        assert pickup["customer_name"] == "Pia Pickup" or pickup["customer_name"] is None
        assert pickup["items"] == [{"quantity": 1, "name": "Packable rain jacket"}]
        assert pickup["thread_url"] == f"{shop_hub.url}/customers/{customer_id}"
    assert (await pickups(mall)).json()["pickups"] == []
    refused = await pickups(kiosk)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"

    await merchant(shop_sim, order_id, "picked_up")
    [done] = (await pickups(counter, "p-2")).json()["pickups"]
    assert done["status"] == "picked_up"  # handed over today: still on today's list


async def test_a_fulfilment_before_its_order_reads_the_order(
    shop_hub: LiveServer, shop_sim: SimServer
) -> None:
    customer_id = await customer_on(shop_hub.hub, "sms")
    sim = shop_sim.sim
    order = sim.shop.place_order(
        email=None, phone=PHONE, lines=[("CAP-RUN", 1)], pickup_at="Riverside Mall"
    )
    fulfilment, _ = sim._pickup(order, "ready_for_pickup")
    # Only the fulfilment arrives (orders/create is late): the hub reads the order.
    assert await sim.deliver(*fulfilment) == 200
    await shop_hub.app.state.outbox.drain_once()
    stored = await order_of(shop_hub.hub, int(order["id"]))
    assert (stored.customer_id, stored.pickup_status) == (customer_id, "ready")
    assert len(await notices(shop_hub.hub)) == 1
