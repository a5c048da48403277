"""Fixtures for the in-store connector: a live hub on loopback, terminals, a client."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection, connect

from hub.actions.inbound import receive_inbound
from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.actions.staff import create_agent, create_terminal
from hub.app import create_app
from hub.core import Hub
from hub.settings import Settings
from hub.types import Inbound
from tests.conftest import LiveServer, agent_session_cookie, live_server


@pytest.fixture
async def instore(settings: Settings) -> AsyncIterator[LiveServer]:
    """A live hub (no outbox worker: messages stay ``pending``, nothing leaves the box)."""
    async with live_server(settings, run_outbox=False) as live:
        yield live


@dataclass
class Keys:
    associate: str
    pos: str
    kiosk: str
    associate_id: int


@pytest.fixture
async def keys(instore: LiveServer) -> Keys:
    found: dict[str, tuple[int, str]] = {}
    async with instore.hub.uow() as uow:
        for role in ("associate", "pos", "kiosk"):
            terminal, key = await create_terminal(uow, "S1", f"{role} 1", role=role)
            found[role] = (terminal.id, key)
    return Keys(found["associate"][1], found["pos"][1], found["kiosk"][1], found["associate"][0])


def ws_url(server: LiveServer) -> str:
    return server.url.replace("http://", "ws://") + "/instore/ws"


@asynccontextmanager
async def terminal(server: LiveServer, key: str | None) -> AsyncIterator[ClientConnection]:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    async with connect(ws_url(server), additional_headers=headers, open_timeout=5) as ws:
        yield ws


async def recv_json(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(5):
        frame = json.loads(await ws.recv())
    assert isinstance(frame, dict)
    return frame


async def call(ws: ClientConnection, frame: dict[str, Any] | str) -> dict[str, Any]:
    """Send a frame and return the next ack (pushed frames before it are skipped)."""
    raw = frame if isinstance(frame, str) else json.dumps(frame)
    await ws.send(raw)
    while True:
        answer = await recv_json(ws)
        if answer.get("type") == "ack":
            return answer


async def count(hub: Hub, model: type, *where: Any) -> int:
    async with hub.read() as session:
        query = select(func.count()).select_from(model)
        if where:
            query = query.where(*where)
        return int((await session.execute(query)).scalar_one())


async def sms_customer_with_order(hub: Hub, phone: str = "+15551230000") -> int:
    """A customer who texted the shop and bought online; returns their id."""
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="sms",
                kind="phone",
                address=phone,
                body="Is my blue kettle ready for pickup?",
                provider_id="SM" + phone[-4:] + "0" * 28,
            ),
        )
        await upsert_order(
            uow,
            OrderInput(
                external_id="web-1001",
                customer_id=received.customer.id,
                number="W1001",
                items=(ItemInput("Blue kettle", 1, 4500, sku="KET-BLUE"),),
            ),
        )
    return received.customer.id


async def agent_cookie(hub: Hub) -> tuple[int, str, str]:
    """A console agent signed in: its id, the session cookie and the CSRF token."""
    async with hub.uow() as uow:
        agent = await create_agent(uow, "agent@example.com", "Grace Agent", "password123")
    cookie, csrf = await agent_session_cookie(hub, agent.id)
    return agent.id, cookie, csrf


@asynccontextmanager
async def serve_on(settings: Settings, port: int) -> AsyncIterator[str]:
    """Serve the hub on a fixed loopback port (so a client can see it go and come back)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    url = f"http://127.0.0.1:{port}"
    application = create_app(settings.with_(public_url=url), run_outbox=False)
    config = uvicorn.Config(application, log_level="warning", lifespan="on", ws="websockets-sansio")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(5):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
        yield url
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()
