"""The terminal client: an on-disk queue resent when the hub comes back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.instore.client import TerminalClient, TerminalRefused, socket_url
from connectors.instore.queue import OfflineQueue
from hub.actions.staff import create_terminal, revoke_terminal
from hub.core import Hub
from hub.models import Event
from hub.settings import Settings
from tests.conftest import free_socket
from tests.connectors.instore.conftest import count, serve_on, sms_customer_with_order


def free_port() -> int:
    with free_socket() as sock:
        return int(sock.getsockname()[1])


def test_socket_url() -> None:
    assert socket_url("http://hub:8000/") == "ws://hub:8000/instore/ws"
    assert socket_url("https://hub") == "wss://hub/instore/ws"
    assert socket_url("ws://hub/instore/ws") == "ws://hub/instore/ws"


def test_queue_keeps_frames_in_order_across_restarts(tmp_path: Path) -> None:
    queue = OfflineQueue(tmp_path / "q.db")
    for n in range(3):
        queue.put({"id": f"f{n}", "type": "note"})
    queue.put({"id": "f1", "type": "note"})
    queue.remove("f0")
    queue.close()
    again = OfflineQueue(tmp_path / "q.db")
    assert [f["id"] for f in again.pending()] == ["f1", "f2"]
    again.close()


async def test_queued_frames_are_resent_when_the_hub_comes_back(
    hub: Hub, settings: Settings, tmp_path: Path
) -> None:
    customer_id = await sms_customer_with_order(hub)
    async with hub.uow() as uow:
        _, key = await create_terminal(uow, "S1", "tablet")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    queue_path = tmp_path / "terminal" / "queue.db"
    pushed: list[dict[str, Any]] = []

    def client() -> TerminalClient:
        return TerminalClient(
            url, key, queue_path, on_push=pushed.append, retry_min=0.05, retry_max=0.2
        )

    async with serve_on(settings, port), client() as online:
        ack = await online.send("checkin", customer_id=customer_id)
        assert ack is not None and ack["ok"], ack
    # The hub is down: frames wait in the queue, on disk, across a client restart.
    async with client() as offline:
        assert await offline.send("note", customer_id=customer_id, body="one", wait=0.2) is None
        assert await offline.send("note", customer_id=customer_id, body="two", wait=0.1) is None
        assert len(offline.queue) == 2
    async with client() as back, serve_on(settings, port):
        assert await back.drained(within=5)
        ack = await back.send("lookup", customer_id=customer_id)
    assert ack is not None and ack["customer"]["id"] == customer_id
    assert await count(hub, Event, Event.type == "visit") == 1
    async with hub.read() as session:
        notes = (await session.execute(select(Event.body).where(Event.type == "note"))).all()
    assert sorted(n for (n,) in notes) == ["one", "two"]
    assert pushed == []


async def test_a_revoked_terminal_stops_retrying(
    hub: Hub, settings: Settings, tmp_path: Path
) -> None:
    async with hub.uow() as uow:
        terminal, key = await create_terminal(uow, "S1", "old tablet")
        await revoke_terminal(uow, terminal.id, actor="test")
    port = free_port()
    async with serve_on(settings, port) as url, TerminalClient(url, key, tmp_path / "q.db") as c:
        for _ in range(100):
            if c.refused is not None:
                break
            await asyncio.sleep(0.02)
        assert c.refused is not None and c.refused.code == 4403
        with pytest.raises(TerminalRefused):
            await c.send("lookup", phone="+15551230000")
