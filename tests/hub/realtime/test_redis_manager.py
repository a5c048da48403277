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


async def test_a_burst_of_emits_reaches_redis_whole_and_in_order() -> None:
    """Publishes are queued and sent in pipelines: a batch of emits costs one round
    trip, and every message still arrives, in order."""
    import asyncio
    import json

    from redis import asyncio as aioredis

    url = require_service(REDIS_URL, "Redis", "HUB_TEST_REDIS_URL")
    channel = f"test-{uuid.uuid4().hex[:8]}"
    manager = HubRedisManager(url, channel=channel)
    listener = aioredis.Redis.from_url(url)
    pubsub = listener.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    try:
        for i in range(200):
            await manager._publish({"method": "emit", "event": "n", "data": [i]})
        seen: list[int] = []
        async with asyncio.timeout(10):
            while len(seen) < 200:
                message = await pubsub.get_message(timeout=1)
                if message is not None:
                    seen.append(json.loads(message["data"])["data"][0])
        assert seen == list(range(200))
    finally:
        await manager.close()
        await pubsub.aclose()
        await listener.aclose()
