"""Building the socket.io server: in-memory by default, Redis-backed for scale-out."""

from __future__ import annotations

import socketio

from hub.realtime.redis_manager import HubRedisManager
from hub.settings import Settings


def create_sio(settings: Settings, *, channel: str | None = None) -> socketio.AsyncServer:
    """The ASGI socket.io server. With ``HUB_REDIS_URL`` every emit is fanned out to the
    other hub processes through python-socketio's Redis manager (no home-made cluster),
    on the pub/sub channel ``HUB_REDIS_CHANNEL``."""
    manager = None
    if settings.redis_url:
        manager = HubRedisManager(settings.redis_url, channel=channel or settings.redis_channel)
    origins = sorted({*settings.origins, settings.public_url.rstrip("/")})
    return socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        cors_allowed_origins=origins,
        max_http_buffer_size=64 * 1024,
        ping_interval=25,
        ping_timeout=20,
    )


async def close_sio(sio: socketio.AsyncServer) -> None:
    """Stop the socket.io server's background work and close its Redis connections
    (app shutdown)."""
    if isinstance(sio.manager, HubRedisManager):
        await sio.manager.close()
