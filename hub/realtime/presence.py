"""Which agents have a console open, across every hub process sharing one Redis.

Each process knows its own sockets (``AgentNamespace.online_agent_ids``). With
``HUB_REDIS_URL`` set, ``SharedPresence`` publishes that set under a per-process key
that expires after ``TTL`` seconds unless the process's heartbeat renews it, and
keeps a copy of every live process's set, refreshed every ``REFRESH`` seconds and
right after a local change. A process that dies (even SIGKILL) drops out after
``TTL``. ``hub.presence()`` stays a plain synchronous call: it merges this process's
live set with the last copy read from Redis. While Redis is unreachable the copy
ages out after ``TTL`` and presence falls back to this process's own agents.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable

from redis import asyncio as aioredis

log = logging.getLogger(__name__)

TTL = 15.0
REFRESH = 1.0


class SharedPresence:
    def __init__(self, local: Callable[[], set[int]], redis_url: str, prefix: str) -> None:
        self.local = local
        self.redis_url = redis_url
        self.process_id = uuid.uuid4().hex
        self.hosts_key = f"{prefix}:presence:hosts"
        self.key_prefix = f"{prefix}:presence:host:"
        self._others: set[int] = set()
        self._others_valid_until = 0.0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._redis: aioredis.Redis | None = None
        self._failing = False

    def __call__(self) -> set[int]:
        """Ids of agents online in any live process."""
        if time.monotonic() > self._others_valid_until:
            return self.local()
        return self.local() | self._others

    def changed(self) -> None:
        """This process's set changed: publish it now rather than at the next beat."""
        self._changed.set()

    async def start(self) -> None:
        self._redis = aioredis.Redis.from_url(self.redis_url, socket_connect_timeout=2.0)
        self._task = asyncio.create_task(self._run(), name="presence")

    async def stop(self) -> None:
        """Stop the heartbeat and withdraw this process's set."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._redis is not None:
            with contextlib.suppress(Exception):
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.delete(self.key_prefix + self.process_id)
                    pipe.zrem(self.hosts_key, self.process_id)
                    await pipe.execute()
            with contextlib.suppress(Exception):
                await self._redis.aclose()

    async def _run(self) -> None:
        while True:
            self._changed.clear()
            try:
                await self.sync()
                if self._failing:
                    log.info("presence: Redis is back")
                self._failing = False
            except Exception as exc:
                if not self._failing:
                    log.warning("presence: Redis unavailable, using this process only (%s)", exc)
                self._failing = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), REFRESH)

    async def sync(self) -> None:
        """Publish this process's set and read every live process's set."""
        assert self._redis is not None
        now = time.time()
        mine = sorted(self.local())
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self.key_prefix + self.process_id, json.dumps(mine), ex=int(TTL))
            pipe.zadd(self.hosts_key, {self.process_id: now + TTL})
            pipe.zremrangebyscore(self.hosts_key, "-inf", now)
            pipe.zrange(self.hosts_key, 0, -1)
            results = await pipe.execute()
        hosts = [h.decode() if isinstance(h, bytes) else str(h) for h in results[-1]]
        others = [h for h in hosts if h != self.process_id]
        found: set[int] = set()
        if others:
            values = await self._redis.mget([self.key_prefix + h for h in others])
            for value in values:
                if value:
                    found.update(int(agent_id) for agent_id in json.loads(value))
        self._others = found
        self._others_valid_until = time.monotonic() + TTL
