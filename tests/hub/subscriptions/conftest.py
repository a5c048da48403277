"""A loopback HTTP receiver (aiohttp) scripted to answer with given statuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from hub.settings import Settings
from tests.conftest import make_settings


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Webhooks may reach the loopback receiver in these tests."""
    return make_settings(db_url, tmp_path, webhooks_allow_private=True)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver(url="")

    async def handle(request: web.Request) -> web.Response:
        state.received.append(Received(dict(request.headers), await request.read()))
        status = state.statuses.pop(0) if state.statuses else 200
        return web.Response(status=status, text=f"answer {status}")

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield state
    finally:
        await runner.cleanup()
