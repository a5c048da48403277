"""Fixtures for the Shopify connector: the loopback simulator and a live hub wired to it.

The simulator runs on its own loopback port with the demo shop; the hub's
``SHOPIFY_API_BASE`` points at it and the simulator's webhooks go to the live hub.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from hub.core import Hub
from hub.settings import Settings
from simulators.shopify.app import Simulator
from simulators.shopify.demo import DEMO_SECRET, DEMO_TOKEN, demo_shop
from tests.conftest import LiveServer, free_socket, live_server, make_settings

SHOP = "demo-shop.myshopify.com"


@dataclass
class SimServer:
    sim: Simulator
    url: str


@pytest.fixture
async def shop_sim() -> AsyncIterator[SimServer]:
    sim = Simulator(
        demo_shop(showcase=False), access_token=DEMO_TOKEN, api_secret=DEMO_SECRET, hub_url=None
    )
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(sim.app(), log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(5):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    try:
        yield SimServer(sim, url)
    finally:
        await sim.drain()
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


def shop_environ(api_base: str, **extra: str) -> dict[str, str]:
    return {
        "SHOPIFY_SHOP": SHOP,
        "SHOPIFY_ACCESS_TOKEN": DEMO_TOKEN,
        "SHOPIFY_API_SECRET": DEMO_SECRET,
        "SHOPIFY_API_BASE": api_base,
        **extra,
    }


@pytest.fixture
def shop_settings(db_url: str, tmp_path: Path, shop_sim: SimServer) -> Settings:
    return make_settings(db_url, tmp_path, environ=shop_environ(shop_sim.url))


@pytest.fixture
async def shop_hub(shop_settings: Settings, shop_sim: SimServer) -> AsyncIterator[LiveServer]:
    """A live hub connected to the simulator (its outbox runs only when a test drains it)."""
    async with live_server(shop_settings, run_outbox=False) as live:
        shop_sim.sim.hub_url = live.url
        yield live


def signed(body: bytes, topic: str, webhook_id: str | None = None) -> dict[str, str]:
    sim = Simulator(
        demo_shop(showcase=False), access_token=DEMO_TOKEN, api_secret=DEMO_SECRET, hub_url=None
    )
    return sim.headers(topic, body, webhook_id or str(uuid.uuid4()))


async def post_webhook(
    hub_url: str,
    topic: str,
    payload: dict[str, Any],
    *,
    webhook_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            f"{hub_url}/shopify/webhooks",
            content=body,
            headers=headers or signed(body, topic, webhook_id),
        )


async def drain_outbox(live: LiveServer) -> None:
    """Run the hub's queued background jobs (backfills, refreshes) once."""
    while await live.app.state.outbox.drain_once():
        pass


def hub_of(live: LiveServer) -> Hub:
    return live.hub
