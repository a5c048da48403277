"""The Redis-backed socket.io manager inside a real server: emits fan out through
Redis, and shutting the app down closes every Redis connection (under
``filterwarnings = error`` a leaked one fails the test when collected)."""

from __future__ import annotations

import gc
import uuid
from pathlib import Path

import socketio

from hub.realtime.redis_manager import HubRedisManager
from tests.conftest import REDIS_URL, live_server, make_settings, require_service


async def test_manager_listens_then_closes_cleanly(sqlite_url: str, tmp_path: Path) -> None:
    url = require_service(REDIS_URL, "Redis", "HUB_TEST_REDIS_URL")
    settings = make_settings(
        sqlite_url, tmp_path, redis_url=url, redis_channel=f"test-{uuid.uuid4().hex[:8]}"
    )
    async with live_server(settings) as live:
        manager = live.app.state.sio.manager
        assert isinstance(manager, HubRedisManager)
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(
            live.url, namespaces=["/widget"], transports=["websocket"], wait_timeout=5
        )
        try:
            # The first connection starts the manager's listener; an emit publishes.
            await live.app.state.sio.emit("ping", {}, namespace="/widget")
            assert manager._publisher is not None
        finally:
            await client.disconnect()
    assert manager._publisher is None
    assert manager._subscriber is None
    gc.collect()
