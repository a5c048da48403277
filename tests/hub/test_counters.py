"""Shared counters: two hub processes on one Redis count together (the SMS-pumping and
sign-in limits hold across processes); without Redis each counts alone."""

from __future__ import annotations

import uuid

from hub.counters import MemoryCounter, RedisCounter, make_counter
from tests.conftest import REDIS_URL, require_service


async def test_two_processes_share_counts_through_redis() -> None:
    url = require_service(REDIS_URL, "Redis", "HUB_TEST_REDIS_URL")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    one, two = make_counter(url, prefix), make_counter(url, prefix)
    assert isinstance(one, RedisCounter)
    try:
        assert await one.hit("sms:to:x", 3600) == 1
        assert await two.hit("sms:to:x", 3600) == 2
        assert await one.count("sms:to:x", 3600) == 2
        await two.clear("sms:to:x")
        assert await one.count("sms:to:x", 3600) == 0
    finally:
        await one.close()
        await two.close()


async def test_an_unreachable_redis_falls_back_to_this_process() -> None:
    counter = RedisCounter("redis://127.0.0.1:1/0", "unreachable")
    try:
        assert await counter.hit("k", 60) == 1
        assert await counter.hit("k", 60) == 2  # counted in memory meanwhile
    finally:
        await counter.close()


def test_without_redis_counts_stay_in_memory() -> None:
    assert isinstance(make_counter(None, "x"), MemoryCounter)
