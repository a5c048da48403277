"""Backfill of a new customer's shop orders, and ``hub commerce sync --since``."""

from __future__ import annotations

from sqlalchemy import select

from hub.cli.commerce import sync_with_connectors
from hub.core import Hub
from hub.ingest import IngestBatcher
from hub.models import Order, OutboxJob
from hub.settings import Settings
from hub.types import Inbound
from tests.conftest import LiveServer
from tests.connectors.shopify.conftest import SimServer, drain_outbox


async def orders_of(hub: Hub) -> list[Order]:
    async with hub.read() as session:
        return list((await session.execute(select(Order).order_by(Order.id))).scalars())


async def test_a_new_customer_gets_their_shop_orders(
    shop_hub: LiveServer, shop_sim: SimServer
) -> None:
    shop = shop_sim.sim.shop
    mine = shop.place_order(email=None, phone="+15551230009", name="Ada L", lines=[("CAP-RUN", 2)])
    shop.place_order(email="other@example.com", lines=[("GLV-TCH", 1)])
    received = await IngestBatcher(shop_hub.hub).submit(
        Inbound(
            channel="sms",
            kind="phone",
            address="+15551230009",
            body="Hi, where is my cap?",
            provider_id="SM" + "9" * 32,
        )
    )
    await drain_outbox(shop_hub)
    orders = await orders_of(shop_hub.hub)
    assert [(o.external_id, o.customer_id) for o in orders] == [
        (f"shopify:{mine['id']}", received.customer.id)
    ]
    assert orders[0].items[0].sku == "CAP-RUN" and orders[0].items[0].quantity == 2
    # Once per address: the customer writing again queues nothing new.
    await IngestBatcher(shop_hub.hub).submit(
        Inbound(
            channel="sms",
            kind="phone",
            address="+15551230009",
            body="Thanks!",
            provider_id="SM" + "8" * 32,
        )
    )
    async with shop_hub.hub.read() as session:
        jobs = (await session.execute(select(OutboxJob.kind))).scalars().all()
    assert list(jobs) == ["shop_backfill"]


async def test_sync_since_reads_recent_orders_once(
    shop_settings: Settings, shop_sim: SimServer, shop_hub: LiveServer
) -> None:
    shop = shop_sim.sim.shop
    shop.place_order(email="a@example.com", lines=[("WCH-GPS", 1)])
    shop.place_order(email="b@example.com", phone="+15551230010", lines=[("SOCK-MER-3", 3)])
    hub = Hub(shop_settings)
    try:
        assert (
            await sync_with_connectors(hub, "30d") == "2 created, 0 updated, 0 stale, 0 no_customer"
        )
        assert (
            await sync_with_connectors(hub, "30d") == "0 created, 2 updated, 0 stale, 0 no_customer"
        )
    finally:
        await hub.dispose()
    orders = await orders_of(shop_hub.hub)
    assert sorted(o.total_cents for o in orders) == [7200, 24900]
    assert "HubOrders" in shop.calls
