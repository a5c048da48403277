"""python-socketio's Redis manager, hardened for a long-running hub process.

``socketio.AsyncRedisManager`` does the cross-process bookkeeping; this subclass only
changes how it talks to Redis (its ``_publish``/``_listen`` hooks) so that:

- publishing and listening use separate clients, and a client that failed is closed
  before it is replaced (the library swaps both and leaks the old connections);
- publishes are queued and sent by one task in a pipeline (one round trip for a
  batch of emits, in order; the emitter does not wait for Redis);
- while Redis is down, emits still reach this process's own sockets and the publish
  to other processes is dropped with one warning per outage (not retried per emit);
- the listener reconnects within ``RETRY_MAX`` seconds once Redis is back (the
  library backs off to a minute), so fan-out resumes quickly;
- ``close()`` stops the listener task and closes every connection at app shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import socketio
from redis import asyncio as aioredis

log = logging.getLogger(__name__)

RETRY_MIN = 0.1
RETRY_MAX = 2.0
CONNECT_TIMEOUT = 2.0


class HubRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    def __init__(self, url: str, *, channel: str) -> None:
        super().__init__(url, channel=channel)
        self._publisher: aioredis.Redis | None = None
        self._subscriber: tuple[aioredis.Redis, Any] | None = None
        self._publish_down_until = 0.0
        self._publish_failing = False
        self._outgoing: list[str] = []
        self._sender: asyncio.Task[None] | None = None

    def _client(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(
            self.redis_url, socket_connect_timeout=CONNECT_TIMEOUT, retry_on_timeout=False
        )

    async def _publish(self, data: Any) -> None:
        """Queue one manager message for the other processes; never raises. One task
        sends whatever is queued, in order, in one pipeline: a batch of emits (a group
        commit's events) costs one round trip to Redis, not one each, and the emitter
        does not wait for it."""
        if time.monotonic() < self._publish_down_until:
            return
        if self._publisher is None:
            self._publisher = self._client()
        self._outgoing.append(self.json.dumps(data))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_queued(), name="socketio-publish")

    async def _send_queued(self) -> None:
        while self._outgoing:
            batch, self._outgoing = self._outgoing, []
            try:
                if self._publisher is None:
                    self._publisher = self._client()
                async with self._publisher.pipeline(transaction=False) as pipe:
                    for message in batch:
                        pipe.publish(self.channel, message)
                    await pipe.execute()
            except Exception as exc:
                await self._close_publisher()
                self._outgoing.clear()
                self._publish_down_until = time.monotonic() + RETRY_MAX
                if not self._publish_failing:
                    log.warning(
                        "socket.io fan-out: Redis unavailable, emitting locally only (%s)", exc
                    )
                self._publish_failing = True
                return
            if self._publish_failing:
                log.info("socket.io fan-out: Redis is back, publishing again")
            self._publish_failing = False

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        delay = RETRY_MIN
        failing = False
        while True:
            client = self._client()
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            self._subscriber = (client, pubsub)
            try:
                await pubsub.subscribe(self.channel)
                if failing:
                    log.info("socket.io fan-out: listening to Redis again")
                failing = False
                delay = RETRY_MIN
                async for message in pubsub.listen():
                    yield message
            except Exception as exc:
                if not failing:
                    log.warning("socket.io fan-out: lost Redis subscription, retrying (%s)", exc)
                failing = True
            finally:
                await self._close_subscriber()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)

    async def close(self) -> None:
        """Send what is queued, stop listening and close every Redis connection (call
        at app shutdown)."""
        sender = self._sender
        if sender is not None and not sender.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sender, CONNECT_TIMEOUT)
        thread = getattr(self, "thread", None)
        if isinstance(thread, asyncio.Task) and not thread.done():
            thread.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await thread
        await self._close_subscriber()
        await self._close_publisher()
        # The base class's own client is only created by its hooks, which are replaced.
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()

    async def _close_publisher(self) -> None:
        client, self._publisher = self._publisher, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _close_subscriber(self) -> None:
        pair, self._subscriber = self._subscriber, None
        if pair is not None:
            client, pubsub = pair
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            with contextlib.suppress(Exception):
                await client.aclose()
