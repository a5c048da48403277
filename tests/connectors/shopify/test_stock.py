"""Stock at nearby stores: the REST API, the context panel (after the page) and terminals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.actions.staff import create_api_token, create_terminal
from hub.core import Hub
from hub.ingest import IngestBatcher
from hub.types import Inbound
from tests.conftest import LiveServer, free_socket, live_server, make_settings
from tests.connectors.shopify.conftest import SimServer, shop_environ
from tests.hub.web.api.conftest import conforms_to_doc
from tests.hub.web.console.conftest import make_agent, sign_in


async def api_client(hub: Hub, url: str) -> httpx.AsyncClient:
    async with hub.uow() as uow:
        _, key = await create_api_token(uow, "stock tests")
    return httpx.AsyncClient(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {key}"})


def expected(shop_sim: SimServer, sku: str) -> list[dict[str, object]]:
    product = shop_sim.sim.shop.products[sku]
    return [
        {"location": loc, "available": product.stock[loc]}
        for loc in shop_sim.sim.shop.locations
        if loc in product.stock
    ]


async def test_rest_stock_per_location_cached_briefly(
    shop_hub: LiveServer, shop_sim: SimServer
) -> None:
    async with await api_client(shop_hub.hub, shop_hub.url) as api:
        first = await api.get("/stock", params={"sku": "WCH-GPS"})
        assert first.status_code == 200, first.text
        conforms_to_doc(first, "/stock")
        body = first.json()
        assert body["name"] == "GPS sports watch"
        assert body["levels"] == expected(shop_sim, "WCH-GPS")
        assert body["summary"].startswith("GPS sports watch: Downtown flagship ")
        again = await api.get("/stock", params={"sku": "WCH-GPS"})
        assert again.json() == body
        assert shop_sim.sim.shop.calls.count("HubStock") == 1  # the second came from the cache
        missing = await api.get("/stock", params={"sku": "NOPE-1"})
        assert missing.status_code == 404
        assert (await api.get("/stock")).status_code == 422


async def test_rest_stock_without_a_shop_or_when_it_is_down(db_url: str, tmp_path: Path) -> None:
    async with live_server(make_settings(db_url, tmp_path), run_outbox=False) as live:
        async with await api_client(live.hub, live.url) as api:
            response = await api.get("/stock", params={"sku": "WCH-GPS"})
        assert response.status_code == 422 and response.json()["error"]["code"] == "no_shop"
    closed = free_socket()  # bound, never listening: connections are refused
    down = f"http://127.0.0.1:{closed.getsockname()[1]}"
    settings = make_settings(db_url, tmp_path, environ=shop_environ(down))
    try:
        async with (
            live_server(settings, run_outbox=False) as live,
            await api_client(live.hub, live.url) as api,
        ):
            response = await api.get("/stock", params={"sku": "WCH-GPS"})
    finally:
        closed.close()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "shop_unavailable"


@pytest.fixture
async def agent_client(shop_hub: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    await make_agent(shop_hub.hub, "ann@example.com")
    async with httpx.AsyncClient(base_url=shop_hub.url) as client:
        assert (await sign_in(client, "ann@example.com")).status_code == 303
        yield client


async def test_panel_loads_stock_after_the_page(
    shop_hub: LiveServer, shop_sim: SimServer, agent_client: httpx.AsyncClient
) -> None:
    async with shop_hub.hub.uow() as uow:
        order, _ = await upsert_order(
            uow,
            OrderInput(
                external_id="web-1",
                email="maria@example.com",
                items=(
                    ItemInput("Trail running shoes", 1, 12900, sku="RUN-TRL-85"),
                    ItemInput("Gift wrap", 1, 0, sku="WRAP-1"),
                ),
            ),
        )
    customer_id = order.customer_id
    await IngestBatcher(shop_hub.hub).submit(
        Inbound(
            channel="webchat",
            kind="visitor",
            address="v-stock",
            verified=False,
            body="Do you have the BAG-DAY-20 downtown? Saw it in the COVID-19 sale",
            provider_id="wc-stock-1",
            customer_id=customer_id,
        )
    )
    page = await agent_client.get(f"/customers/{customer_id}")
    assert page.status_code == 200
    assert f'data-stock-url="/customers/{customer_id}/stock"' in page.text
    assert "HubStock" not in shop_sim.sim.shop.calls  # the page did not wait on the shop
    fragment = await agent_client.get(f"/customers/{customer_id}/stock")
    assert fragment.status_code == 200
    shoes = shop_sim.sim.shop.products["RUN-TRL-85"].stock
    line = ", ".join(f"{loc} {shoes[loc]}" for loc in shop_sim.sim.shop.locations)
    text = " ".join(fragment.text.replace("</span>", "").split())
    assert "Trail running shoes</strong>:" in text
    for loc in shop_sim.sim.shop.locations:
        assert f">{loc} {shoes[loc]}" in text, line
    assert "Not in the shop: WRAP-1</p>" in fragment.text  # a SKU-like word is not listed
    assert "Daypack 20 L</strong>:" in text  # asked about in a message


async def test_terminal_stock_frame(shop_hub: LiveServer, shop_sim: SimServer) -> None:
    async with shop_hub.hub.uow() as uow:
        _, associate = await create_terminal(uow, "DT1", "counter", role="associate")
        _, kiosk = await create_terminal(uow, "DT1", "kiosk", role="kiosk")
    async with httpx.AsyncClient(base_url=shop_hub.url) as client:
        for key in (associate, kiosk):
            response = await client.post(
                "/instore/v1/stock",
                json={"id": "s-1", "sku": "BAG-DAY-20"},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert response.status_code == 200, response.text
            ack = response.json()
            assert ack["ok"] is True and ack["id"] == "s-1"
            assert ack["levels"] == expected(shop_sim, "BAG-DAY-20")
            assert ack["summary"].startswith("Daypack 20 L: ")
        unknown = await client.post(
            "/instore/v1/stock",
            json={"id": "s-2", "sku": "NOPE"},
            headers={"Authorization": f"Bearer {associate}"},
        )
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
        no_sku = await client.post(
            "/instore/v1/stock", json={"id": "s-3"}, headers={"Authorization": f"Bearer {kiosk}"}
        )
        assert no_sku.json()["error"]["code"] == "missing_field"
