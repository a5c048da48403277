"""Widget test helpers: a python-socketio client that records what the server emits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from connectors.webchat.identity import user_hash
from hub.settings import Settings
from tests.conftest import make_settings

WIDGET_SECRET = "widget-secret-for-tests"
WAIT = 10.0  # generous: the test machine is shared; passing runs never wait this long


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """The shared settings plus a widget secret, so ``user_hash`` is checked."""
    return make_settings(db_url, tmp_path, widget_secret=WIDGET_SECRET)


def signed_user(user_id: str) -> dict[str, str]:
    return {"user_id": user_id, "user_hash": user_hash(WIDGET_SECRET, user_id)}


class Visitor:
    """One widget tab: connects to ``/widget`` and queues every event it receives."""

    def __init__(self, url: str, auth: dict[str, Any] | None = None, origin: str | None = None):
        self.url = url
        self.auth = dict(auth or {})
        self.origin = origin or url
        # Our own HTTP session, closed in ``close`` even when the handshake was refused.
        self.http = aiohttp.ClientSession()
        self.client = socketio.AsyncClient(reconnection=False, http_session=self.http)
        self.queues: dict[str, asyncio.Queue[Any]] = {}
        for name in ("session", "message", "typing", "csat", "connect_error"):
            self.queues[name] = asyncio.Queue()
            self.client.on(name, self._recorder(name), namespace="/widget")

    def _recorder(self, name: str) -> Callable[[Any], Any]:
        async def record(data: Any) -> None:
            await self.queues[name].put(data)

        return record

    async def connect(self) -> dict[str, Any]:
        """Connect and return the ``session`` payload; a refusal raises with its reason."""
        try:
            await self.client.connect(
                self.url,
                namespaces=["/widget"],
                auth=self.auth,
                transports=["websocket"],
                headers={"Origin": self.origin},
                wait_timeout=WAIT,
            )
        except socketio.exceptions.ConnectionError as exc:
            reason = (
                ""
                if self.queues["connect_error"].empty()
                else self.queues["connect_error"].get_nowait()
            )
            raise socketio.exceptions.ConnectionError(f"{exc}: {reason}") from exc
        return await self.next("session")

    async def next(self, name: str) -> Any:
        return await asyncio.wait_for(self.queues[name].get(), WAIT)

    async def call(self, event: str, data: Any) -> Any:
        return await self.client.call(event, data, namespace="/widget", timeout=WAIT)

    async def send(self, body: str, client_id: str | None = None, **extra: Any) -> Any:
        payload = {"client_id": client_id or uuid.uuid4().hex, "body": body, **extra}
        return await self.call("message", payload)

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()
        await self.http.close()


@pytest.fixture
async def visitors() -> AsyncIterator[Callable[..., Any]]:
    """``await visitors(url, auth=...)`` → a connected ``(Visitor, session)``."""
    async with AsyncExitStack() as stack:

        async def connect(
            url: str, auth: dict[str, Any] | None = None, origin: str | None = None
        ) -> tuple[Visitor, dict[str, Any]]:
            visitor = Visitor(url, auth, origin)
            stack.push_async_callback(visitor.close)
            return visitor, await visitor.connect()

        yield connect
