"""Pushed frames across hub processes: one Redis pub/sub channel, ``<prefix>:instore``.

A terminal's socket lives in one process; the agent's answer may be committed by
another. The committing process pushes to its own sockets at once and publishes
``{"origin", "terminal_id", "frame"}``; every process subscribes at startup and pushes
what others published to the sockets it holds for that terminal (its own messages
are skipped, they were pushed already).

Fail soft: while Redis is down a publish is dropped with one warning per outage (the
answer is still on the terminal's context card), and the subscriber reconnects with
a backoff capped at ``RETRY_MAX`` seconds. ``stop()`` closes every connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from redis import asyncio as aioredis

log = logging.getLogger(__name__)

RETRY_MIN = 0.1
RETRY_MAX = 2.0
CONNECT_TIMEOUT = 2.0

Deliver = Callable[[int, dict[str, Any]], Awaitable[int]]


class TerminalRelay:
    """Publishes pushed frames and delivers other processes' frames via ``deliver``
    (``InstoreEndpoints.push``: terminal id, frame → sockets reached)."""

    def __init__(self, redis_url: str, prefix: str, deliver: Deliver) -> None:
        self.redis_url = redis_url
        self.channel = f"{prefix}:instore"
        self.deliver = deliver
        self.origin = uuid.uuid4().hex
        self._publisher: aioredis.Redis | None = None
        self._down_until = 0.0
        self._publish_failing = False
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def _client(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(
            self.redis_url, socket_connect_timeout=CONNECT_TIMEOUT, retry_on_timeout=False
        )

    async def start(self) -> None:
        """Subscribe; returns once subscribed or after the first failed attempt."""
        self._task = asyncio.create_task(self._listen(), name="instore-relay")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), CONNECT_TIMEOUT + 1)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close_publisher()

    async def publish(self, terminal_id: int, frame: dict[str, Any]) -> None:
        """Send ``frame`` to the other processes' sockets of ``terminal_id``; never raises."""
        if time.monotonic() < self._down_until:
            return
        message = {"origin": self.origin, "terminal_id": terminal_id, "frame": frame}
        try:
            if self._publisher is None:
                self._publisher = self._client()
            await self._publisher.publish(self.channel, json.dumps(message))
        except Exception as exc:
            await self._close_publisher()
            self._down_until = time.monotonic() + RETRY_MAX
            if not self._publish_failing:
                log.warning("in-store relay: Redis unavailable, pushing locally only (%s)", exc)
            self._publish_failing = True
        else:
            if self._publish_failing:
                log.info("in-store relay: Redis is back, publishing again")
            self._publish_failing = False

    async def _listen(self) -> None:
        delay = RETRY_MIN
        failing = False
        while True:
            client = self._client()
            pubsub: Any = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._ready.set()
                if failing:
                    log.info("in-store relay: listening to Redis again")
                failing, delay = False, RETRY_MIN
                async for message in pubsub.listen():
                    await self._receive(message.get("data"))
            except Exception as exc:
                self._ready.set()
                if not failing:
                    log.warning("in-store relay: lost Redis subscription, retrying (%s)", exc)
                failing = True
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)

    async def _receive(self, data: Any) -> None:
        try:
            message = json.loads(data)
            if message["origin"] == self.origin:
                return
            terminal_id, frame = int(message["terminal_id"]), message["frame"]
        except (ValueError, TypeError, KeyError):
            log.warning("in-store relay: ignoring a malformed message")
            return
        if isinstance(frame, dict):
            await self.deliver(terminal_id, frame)

    async def _close_publisher(self) -> None:
        client, self._publisher = self._publisher, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()
