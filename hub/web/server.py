"""How ``hub serve`` runs the app under uvicorn: production defaults in one place.

- Proxy headers: ``X-Forwarded-For``/``-Proto`` are trusted from ``forwarded_allow_ips``
  only (the reverse proxy), so client addresses and https are seen as the proxy saw them.
- Slow clients: a connection must send its request line and headers within
  ``header_timeout`` seconds (``HeadTimeoutProtocol``), idle keep-alive connections close
  after ``KEEP_ALIVE_SECONDS``; a client trickling its headers cannot hold a connection.
- Access log: the hub's own line per request (``hub.http``: client, method, path without
  its query string, status, duration, request id), through the hub's logging (text or
  JSON, secrets redacted) in every worker process; uvicorn's own access log is off.
- Graceful shutdown (SIGTERM): stop accepting, close every socket.io session so browsers
  reconnect to another process at once (``HubServer``), let in-flight requests finish
  for up to ``graceful_timeout`` seconds, then the app's shutdown lets the outbox finish
  the sends it has started.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hub.logging import QUIET_LOGGERS, log_handler

log = logging.getLogger(__name__)

HEADER_TIMEOUT_SECONDS = 10.0
# Request line and headers above this are refused with 431 (uvicorn's httptools protocol
# buffers them without limit).
MAX_HEAD_BYTES = 64 * 1024
KEEP_ALIVE_SECONDS = 5
GRACEFUL_TIMEOUT_SECONDS = 10
DRAIN_SECONDS = 3


class HubConfig(uvicorn.Config):
    """uvicorn's configuration plus the request-head deadline ``HeadTimeoutProtocol`` reads."""

    def __init__(self, app: Any, *, header_timeout: float = HEADER_TIMEOUT_SECONDS, **kw: Any):
        super().__init__(app, **kw)
        self.header_timeout = header_timeout


class HeadTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on the request head: a client that has
    not sent its request line and headers ``header_timeout`` seconds after connecting (or
    after starting its next request on a kept-alive connection) is disconnected. uvicorn
    itself only times out idle keep-alive connections, so a client trickling one header
    byte at a time would hold its connection (and a file descriptor) for ever. A head
    (request line and headers) that passes ``MAX_HEAD_BYTES`` is answered 431 and the
    connection closed: uvicorn would buffer it whole."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.header_timeout = float(getattr(config, "header_timeout", HEADER_TIMEOUT_SECONDS))
        self._head_deadline: asyncio.TimerHandle | None = None
        self._in_head = True
        self._head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Checked after parsing: a chunk that completes the head (body bytes included)
        # is never held against it.
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            log.info("refused a request whose headers pass %d bytes", MAX_HEAD_BYTES)
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                b"content-length: 0\r\nconnection: close\r\n\r\n"
            )
            self.transport.close()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0  # the next request's head may follow

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_deadline is None:  # the next request on a kept-alive connection
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        self._in_head = False
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._head_deadline = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            log.info("dropped a client that did not send its request headers in time")
            self.transport.close()


def log_config(level: str) -> dict[str, Any]:
    """Logging for ``hub serve`` as a ``dictConfig``: uvicorn applies it in every worker
    process too. Everything goes to the hub's handler (``hub.logging``)."""
    root_level = logging.getLevelName(level.upper())
    root_level = root_level if isinstance(root_level, int) else logging.INFO
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"hub": {"()": log_handler}},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True},
            # Libraries that dump payloads at DEBUG stay above it (hub.logging).
            **{
                name: {"level": logging.getLevelName(max(floor, root_level))}
                for name, floor in QUIET_LOGGERS.items()
            },
        },
        "root": {"handlers": ["hub"], "level": level.upper()},
    }


def server_config(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    forwarded_allow_ips: str = "127.0.0.1",
    log_level: str = "INFO",
    header_timeout: float = HEADER_TIMEOUT_SECONDS,
    graceful_timeout: int = GRACEFUL_TIMEOUT_SECONDS,
    configure_logging: bool = True,
) -> HubConfig:
    """The uvicorn configuration ``hub serve`` runs ``app`` (an import string for several
    workers) with; tests serve with the same (``configure_logging=False`` leaves the
    process's logging alone)."""
    return HubConfig(
        app,
        header_timeout=header_timeout,
        host=host,
        port=port,
        workers=workers,
        http=HeadTimeoutProtocol,
        ws="websockets-sansio",
        lifespan="on",
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=graceful_timeout,
        log_config=log_config(log_level) if configure_logging else None,
        log_level=log_level.lower(),
        # The hub's own line per request is the access log (hub.web.middleware).
        access_log=False,
    )


def _hub_app(app: Any) -> Any:
    """The hub's ASGI app inside uvicorn's wrappers (proxy headers, …), or None."""
    while app is not None and not hasattr(app, "drain"):
        app = getattr(app, "app", None)
    return app


class HubServer(uvicorn.Server):
    """uvicorn's server that, on shutdown, first closes every socket.io session (the
    browsers reconnect at once, through the proxy, to a process that stays), instead of
    waiting out their long-polling requests."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        app = _hub_app(self.config.loaded_app)
        if app is not None:
            try:
                async with asyncio.timeout(DRAIN_SECONDS):
                    await app.drain()
            except TimeoutError:
                log.warning("socket.io sessions not all closed within %s s", DRAIN_SECONDS)
        await super().shutdown(sockets)


def serve(config: HubConfig) -> bool:
    """Run the hub until SIGTERM/SIGINT; several worker processes when ``config.workers``
    > 1 (each under uvicorn's own server: their long-polls end with the graceful timeout).
    Returns whether it started."""
    if config.workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return True
    server = HubServer(config)
    server.run()
    return server.started
