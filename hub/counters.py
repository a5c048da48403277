"""Sliding-window counters shared by every hub process through Redis when
``HUB_REDIS_URL`` is set, kept in this process's memory otherwise.

Used where a limit must hold across processes and visitors: console sign-in
throttling (``hub.web.throttle``) and the SMS-pumping limits
(``hub.rules.sms_limits``). Each key holds the times of its recent hits (a Redis sorted
set, or a deque), so "at most 3 in any hour" means exactly that, with no burst at a
window boundary.

Fail soft: while Redis is unreachable, counting falls back to this process's memory
(one warning per outage) — the limits then hold per process, as without Redis.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from redis import asyncio as aioredis

log = logging.getLogger(__name__)

MAX_KEYS = 50_000
RETRY_SECONDS = 5.0


class Counter(Protocol):
    async def hit(self, key: str, window: float) -> int:
        """Record one hit on ``key``; returns the hits within ``window`` seconds, this one
        included."""
        ...

    async def count(self, key: str, window: float) -> int:
        """The hits on ``key`` within the last ``window`` seconds."""
        ...

    async def clear(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryCounter:
    """This process's counts (tests inject ``clock``)."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str, window: float) -> deque[float]:
        stamps = self._hits.get(key)
        if stamps is None:
            if len(self._hits) >= MAX_KEYS:
                self._prune(window)
            stamps = self._hits[key] = deque()
        horizon = self.clock() - window
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        return stamps

    def _prune(self, window: float) -> None:
        horizon = self.clock() - window
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= horizon]:
            del self._hits[key]
        if len(self._hits) >= MAX_KEYS:  # still full: forget the oldest half
            for key in list(self._hits)[: MAX_KEYS // 2]:
                del self._hits[key]

    async def hit(self, key: str, window: float) -> int:
        stamps = self._recent(key, window)
        stamps.append(self.clock())
        return len(stamps)

    async def count(self, key: str, window: float) -> int:
        return len(self._recent(key, window))

    async def clear(self, key: str) -> None:
        self._hits.pop(key, None)

    async def close(self) -> None:
        return None


class RedisCounter:
    """Counts in Redis sorted sets under ``<prefix>:<key>``, falling back to
    ``MemoryCounter`` while Redis is unreachable."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.local = MemoryCounter()
        self._redis: aioredis.Redis | None = None
        self._down_until = 0.0
        self._failing = False

    def _client(self) -> aioredis.Redis | None:
        if time.monotonic() < self._down_until:
            return None
        if self._redis is None:
            self._redis = aioredis.Redis.from_url(
                self.url, socket_connect_timeout=2.0, socket_timeout=2.0
            )
        return self._redis

    async def _failed(self, exc: Exception) -> None:
        if not self._failing:
            log.warning("shared counters: Redis unavailable, counting in this process (%s)", exc)
        self._failing = True
        self._down_until = time.monotonic() + RETRY_SECONDS
        await self.close()

    async def hit(self, key: str, window: float) -> int:
        return await self._window(key, window, add=True)

    async def count(self, key: str, window: float) -> int:
        return await self._window(key, window, add=False)

    async def _window(self, key: str, window: float, *, add: bool) -> int:
        """Drop the hits on ``key`` older than ``window`` seconds, record one now if
        ``add``, and return how many are left; in this process while Redis is down."""
        local = self.local.hit if add else self.local.count
        client = self._client()
        if client is None:
            return await local(key, window)
        name = f"{self.prefix}:{key}"
        now = time.time()
        try:
            async with client.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(name, 0, now - window)
                if add:
                    pipe.zadd(name, {f"{now:.6f}:{secrets.token_hex(4)}": now})
                    pipe.expire(name, int(window) + 1)
                pipe.zcard(name)
                results = await pipe.execute()
        except Exception as exc:
            await self._failed(exc)
            return await local(key, window)
        self._failing = False
        return int(results[-1])

    async def clear(self, key: str) -> None:
        await self.local.clear(key)
        client = self._client()
        if client is None:
            return
        try:
            await client.delete(f"{self.prefix}:{key}")
        except Exception as exc:
            await self._failed(exc)

    async def close(self) -> None:
        client, self._redis = self._redis, None
        if client is not None:
            try:
                await client.aclose()
            except Exception:
                pass


def make_counter(redis_url: str | None, prefix: str) -> Counter:
    """A Redis-backed counter when ``redis_url`` is set, else an in-memory one."""
    if redis_url:
        return RedisCounter(redis_url, prefix)
    return MemoryCounter()
