"""Shared presence: agents online in any process, through a real Redis."""

from __future__ import annotations

import uuid

from hub.realtime.presence import SharedPresence
from tests.conftest import REDIS_URL, free_socket, require_service


async def test_processes_see_each_others_agents_until_one_leaves() -> None:
    url = require_service(REDIS_URL, "Redis", "HUB_TEST_REDIS_URL")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    here, there = {1}, {2, 3}
    a = SharedPresence(lambda: set(here), url, prefix)
    b = SharedPresence(lambda: set(there), url, prefix)
    await a.start()
    await b.start()
    try:
        await b.sync()
        await a.sync()
        assert a() == {1, 2, 3}
        here.add(4)
        assert a() == {1, 2, 3, 4}  # local changes count at once
        await a.sync()
        await b.sync()
        assert b() == {1, 2, 3, 4}
    finally:
        await b.stop()
    await a.sync()
    assert a() == {1, 4}
    await a.stop()


async def test_without_redis_only_local_agents_count() -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    presence = SharedPresence(lambda: {7}, f"redis://127.0.0.1:{port}/0", "test-down")
    await presence.start()
    try:
        assert presence() == {7}
    finally:
        await presence.stop()
