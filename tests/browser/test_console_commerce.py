"""The shop in the console, in Chromium: stock filled in after the page, pickup status,
a refund confirmed with its amount and the outcome on the thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from hub.actions.staff import create_agent
from tests.browser.conftest import AGENT_EMAIL, AGENT_PASSWORD, sign_in_console
from tests.conftest import LiveServer, live_server, make_settings
from tests.connectors.shopify.conftest import SimServer, shop_environ
from tests.connectors.shopify.conftest import shop_sim as shop_sim  # the fixture

pytestmark = pytest.mark.browser


@pytest.fixture
async def shop_console(
    sqlite_url: str, tmp_path: Path, shop_sim: SimServer
) -> AsyncIterator[LiveServer]:
    settings = make_settings(sqlite_url, tmp_path, environ=shop_environ(shop_sim.url))
    async with live_server(settings, run_outbox=False) as live:
        shop_sim.sim.hub_url = live.url
        async with live.hub.uow() as uow:
            await create_agent(uow, AGENT_EMAIL, "Sam", AGENT_PASSWORD, role="admin")
        yield live


async def test_stock_pickup_and_a_refund_from_the_thread(
    shop_console: LiveServer, shop_sim: SimServer, page: Page
) -> None:
    sim = shop_sim.sim
    placed = sim.shop.place_order(
        email="maria@example.com",
        name="Maria Lopez",
        lines=[("RUN-TRL-85", 1), ("SOCK-MER-3", 2)],
        pickup_at="Downtown flagship",
    )
    sim.send_later([("orders/create", placed)])
    await sim.drain()
    await sign_in_console(page, shop_console)
    await page.goto(f"{shop_console.url}/customers/1")

    stock = page.locator("[data-stock-url] [data-stock-body]")
    shoes = sim.shop.products["RUN-TRL-85"].stock
    await expect(stock.locator('[data-sku="RUN-TRL-85"]')).to_contain_text(
        f"Trail running shoes: Downtown flagship {shoes['Downtown flagship']}, "
        f"Riverside Mall {shoes['Riverside Mall']}"
    )
    await expect(page.locator("[data-pickup-status]")).to_have_text("pending")

    await page.locator("[data-order-actions]").click()
    await page.locator('[data-action="refund"] input[type=number]').last.fill("1")
    await page.locator('[data-action="refund"] button[type=submit]').click()
    await expect(page.locator("[data-refund-amount]")).to_have_text("Shopify will refund 24.00 USD")
    await page.locator("[data-confirm-refund]").click()
    await expect(page.locator(".flash")).to_have_text("Shopify refunded the items")
    await expect(page.locator('[data-timeline] .event[data-type="order_action"]')).to_contain_text(
        "refund 1 × Merino socks (3 pack) (24.00 USD)"
    )
    assert len(sim.shop.orders[placed["id"]]["refunds"]) == 1
