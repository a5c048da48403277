"""``hub serve``'s production defaults (``hub.web.server``), on a real uvicorn server
configured exactly as ``hub serve`` configures it: slow-header clients are dropped,
shutdown drains socket.io sessions and lets in-flight outbox sends finish, the access
line carries no query string."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from sqlalchemy import select

from hub.actions.inbound import receive_inbound
from hub.actions.replies import send_reply
from hub.app import create_app
from hub.models import Event, OutboxJob
from hub.models.outbox import DONE
from hub.settings import Settings
from hub.types import Inbound, Outbound, SendResult
from hub.web.server import HubServer, server_config
from hub.workers.outbox import OutboxWorker
from tests.conftest import free_socket, make_settings

WAIT = 15.0


@asynccontextmanager
async def serving(settings: Settings, **options: Any) -> AsyncIterator[tuple[str, HubServer]]:
    """The hub under ``HubServer`` with ``hub serve``'s configuration, on a loopback port."""
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_app(settings.with_(public_url=url, allowed_origins=(url,)))
    server = HubServer(server_config(app, configure_logging=False, **options))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not task.done(), task.result()
            await asyncio.sleep(0.02)
        yield url, server
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT)
        sock.close()


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1024), 0.1) == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True


async def test_a_client_trickling_its_headers_is_dropped(sqlite_url: str, tmp_path: Path) -> None:
    async with serving(make_settings(sqlite_url, tmp_path), header_timeout=0.5) as (url, _):
        port = int(url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Slow: ")
        closed = False
        for _ in range(300):  # one more header byte every 0.1 s, 30 s at most
            if await closed_by_server(reader):
                closed = True
                break
            try:
                writer.write(b"x")
                await writer.drain()
            except ConnectionError:
                closed = True
                break
        writer.close()
        assert closed, "the server kept a connection whose headers never ended"

        # A client that sends its request promptly is served, also on a kept-alive
        # connection after the deadline of its first request has passed.
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/healthz")).status_code == 200
            await asyncio.sleep(0.6)
            assert (await client.get("/healthz")).status_code == 200


async def test_oversized_request_headers_are_refused(sqlite_url: str, tmp_path: Path) -> None:
    async with serving(make_settings(sqlite_url, tmp_path)) as (url, _):
        port = int(url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Big: ")
        refused = b""
        for _ in range(64):  # up to 1 MiB of one header, 16 KiB at a time
            try:
                writer.write(b"a" * 16384)
                await writer.drain()
            except ConnectionError:
                break
            try:
                refused += await asyncio.wait_for(reader.read(1024), 0.05)
            except TimeoutError:
                continue
            if refused:
                break
        writer.close()
        assert refused.startswith(b"HTTP/1.1 431 "), refused

        # A body far larger than that limit, sent in one go with its head, is no head.
        async with httpx.AsyncClient(base_url=url) as client:
            answer = await client.post("/login", content=b"x" * 300_000)
        assert answer.status_code != 431


async def test_shutdown_drains_sockets_and_finishes_the_send_in_flight(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    send_started, stopping, release = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def slow_send(connector: Any, message: Outbound) -> SendResult:
        send_started.set()
        await release.wait()
        return SendResult(provider_id="SM" + "d" * 32, status="sent")

    original_stop = OutboxWorker.stop

    async def stop(worker: OutboxWorker, grace: float = 5.0) -> None:
        stopping.set()
        await original_stop(worker, grace)

    monkeypatch.setattr("connectors.sms.connector.SmsConnector.send", slow_send)
    monkeypatch.setattr(OutboxWorker, "stop", stop)
    settings = make_settings(sqlite_url, tmp_path, outbox_enabled=True)

    async with serving(settings, graceful_timeout=WAIT) as (url, server):
        hub = server.config.loaded_app.app.state.hub  # inside uvicorn's proxy-headers wrapper
        visitor = socketio.AsyncClient(reconnection=False)
        dropped = asyncio.Event()
        visitor.on("disconnect", lambda *reason: dropped.set(), namespace="/widget")
        await visitor.connect(
            url, namespaces=["/widget"], transports=["polling"], socketio_path="socket.io"
        )
        async with hub.uow() as uow:
            received = await receive_inbound(
                uow,
                Inbound(channel="sms", kind="phone", address="+15557654321", provider_id="SMin"),
            )
            reply = await send_reply(uow, received.customer.id, "On its way", channel="sms")
        await asyncio.wait_for(send_started.wait(), WAIT)

        server.should_exit = True  # what SIGTERM does
        # The long-polling visitor is let go at once, while the send is still held...
        await asyncio.wait_for(dropped.wait(), WAIT)
        assert not stopping.is_set()
        # ...and the send started before the shutdown finishes once the outbox stops.
        await asyncio.wait_for(stopping.wait(), WAIT)
        release.set()
        await visitor.disconnect()

    async with hub.read() as session:
        job = (await session.execute(select(OutboxJob))).scalar_one()
        event = await session.get(Event, reply.id)
    assert job.state == DONE
    assert event is not None and event.provider_id == "SM" + "d" * 32


async def test_the_access_line_has_no_query_string(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hub.http")
    settings = make_settings(sqlite_url, tmp_path)
    async with serving(settings) as (url, _), httpx.AsyncClient(base_url=url) as client:
        await client.get("/healthz", params={"token": "hub_0123456789ab_secret", "q": "Ada"})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "hub.http"]
    assert line.startswith("127.0.0.1 GET /healthz 200 ")
    assert "secret" not in line and "Ada" not in line and "?" not in line
