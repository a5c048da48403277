"""A terminal client for the hub's in-store protocol, on the ``websockets`` library.

Every frame is written to an on-disk ``OfflineQueue`` before it is sent and removed
when its ack arrives. The client keeps one connection open, reconnecting with
backoff; on each (re)connect it resends the whole queue in order, and the hub answers
frames it already applied with their stored ack. ``send`` returns the ack, or None
when none came within its timeout (the frame stays queued and goes out later).

    async with TerminalClient("ws://hub:8000/instore/ws", key, "queue.db") as client:
        ack = await client.send("lookup", phone="+15551230000")
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from connectors.instore.protocol import CLOSE_BAD_KEY, CLOSE_REVOKED
from connectors.instore.queue import OfflineQueue

log = logging.getLogger(__name__)

PushHandler = Callable[[dict[str, Any]], Awaitable[None] | None]

# Error acks worth resending later rather than dropping from the queue.
TRANSIENT_ERRORS = frozenset({"unavailable"})


def new_frame_id() -> str:
    """A client-unique frame id: milliseconds then randomness (sorts by creation)."""
    return f"{int(time.time() * 1000):x}-{uuid.uuid4().hex[:12]}"


def socket_url(url: str) -> str:
    """``http(s)://hub`` or ``ws(s)://hub[/instore/ws]`` → the terminal socket's URL."""
    url = url.rstrip("/")
    if url.startswith("http"):
        url = "ws" + url[len("http") :]
    return url if url.endswith("/instore/ws") else url + "/instore/ws"


class TerminalRefused(Exception):
    """The hub closed the socket for this key (4401 unknown, 4403 revoked)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


class TerminalClient:
    def __init__(
        self,
        url: str,
        key: str,
        queue: str | Path | OfflineQueue,
        *,
        on_push: PushHandler | None = None,
        retry_min: float = 0.5,
        retry_max: float = 15.0,
    ) -> None:
        self.url = socket_url(url)
        self.key = key
        self.queue = queue if isinstance(queue, OfflineQueue) else OfflineQueue(queue)
        self.on_push = on_push
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.connected = asyncio.Event()
        # Set when the hub refused the key; the client then stops reconnecting.
        self.refused: TerminalRefused | None = None
        self._ws: ClientConnection | None = None
        self._waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._empty = asyncio.Event()
        if not len(self.queue):
            self._empty.set()

    async def __aenter__(self) -> TerminalClient:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def start(self) -> None:
        """Connect in the background (and keep reconnecting until ``stop``)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="terminal-client")

    async def stop(self) -> None:
        """Disconnect; queued frames stay on disk for the next run."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for waiter in self._waiters.values():
            waiter.cancel()
        self._waiters.clear()
        self.queue.close()

    async def send(
        self, frame_type: str, *, wait: float | None = 10.0, **fields: Any
    ) -> dict[str, Any] | None:
        """Queue a frame, send it if connected and wait up to ``wait`` seconds for its ack.

        Returns the ack, or None if none arrived in time (the frame stays queued and
        is resent on the next connection). Raises ``TerminalRefused`` once the hub
        has refused the key.
        """
        if self.refused is not None:
            raise self.refused
        frame = {**fields, "id": new_frame_id(), "type": frame_type}
        self.queue.put(frame)
        self._empty.clear()
        waiter = self._waiters[frame["id"]] = asyncio.get_running_loop().create_future()
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(json.dumps(frame))
        try:
            async with asyncio.timeout(wait):
                return await asyncio.shield(waiter)
        except TimeoutError:
            return None
        finally:
            self._waiters.pop(frame["id"], None)

    async def drained(self, within: float | None = None) -> bool:
        """Wait until every queued frame is acked; False if ``within`` seconds ran out."""
        try:
            async with asyncio.timeout(within):
                await self._empty.wait()
        except TimeoutError:
            return False
        return True

    async def _run(self) -> None:
        delay = self.retry_min
        headers = {"Authorization": f"Bearer {self.key}"}
        while True:
            try:
                async with connect(self.url, additional_headers=headers, open_timeout=10) as ws:
                    self._ws = ws
                    self.connected.set()
                    delay = self.retry_min
                    for frame in self.queue.pending():
                        await ws.send(json.dumps(frame))
                    async for raw in ws:
                        await self._dispatch(raw)
            except (ConnectionClosed, OSError, InvalidHandshake, TimeoutError) as exc:
                log.info("terminal connection lost: %s", exc)
            except InvalidURI:
                raise
            finally:
                code = self._ws.close_code if self._ws is not None else None
                reason = (self._ws.close_reason or "") if self._ws is not None else ""
                self._ws = None
                self.connected.clear()
            if code in (CLOSE_BAD_KEY, CLOSE_REVOKED):
                self.refused = TerminalRefused(code, reason)
                log.error("the hub refused this terminal: %s %s", code, reason)
                for waiter in self._waiters.values():
                    if not waiter.done():
                        waiter.set_exception(self.refused)
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry_max)

    async def _dispatch(self, raw: str | bytes) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            log.warning("ignored a frame that is not JSON")
            return
        if not isinstance(frame, dict):
            return
        if frame.get("type") != "ack":
            if self.on_push is not None:
                result = self.on_push(frame)
                if inspect.isawaitable(result):
                    await result
            return
        frame_id = frame.get("id")
        if not isinstance(frame_id, str):
            log.warning("error ack for an unreadable frame: %s", frame.get("error"))
            return
        if frame.get("ok") or frame.get("error", {}).get("code") not in TRANSIENT_ERRORS:
            self.queue.remove(frame_id)
            if not len(self.queue):
                self._empty.set()
        waiter = self._waiters.get(frame_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(frame)
