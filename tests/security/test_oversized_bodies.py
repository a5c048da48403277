"""10 MB bodies on every POST route of the app: 413 before the body is read.

A real uvicorn server on loopback (one engine: the limit is HTTP-level). The client
announces 10 MB and sends only the first 64 KB; the server must answer 413 at once
instead of waiting for (or buffering) the rest. Chunked bodies without a length are
cut off once they pass the limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.actions.staff import create_api_token
from tests.conftest import LiveServer, live_server, make_settings
from tests.security.conftest import app_routes, concrete

TEN_MB = 10 * 1024 * 1024
SENT = 64 * 1024


@pytest.fixture
async def live(sqlite_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with live_server(make_settings(sqlite_url, tmp_path), run_outbox=False) as running:
        yield running


async def raw_post(url: str, path: str, head: bytes, body: bytes) -> int:
    """Send a request line, ``head`` headers and ``body`` (possibly partial); the status."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}\r\n".encode() + head + b"\r\n")
        writer.write(body)
        await writer.drain()
        async with asyncio.timeout(3):
            status_line = await reader.readline()
        return int(status_line.split()[1])
    finally:
        writer.close()


def post_paths(live: LiveServer) -> list[str]:
    return [concrete(p) for m, p in app_routes(live.app) if m == "POST"]


async def test_announced_10mb_bodies_get_413_without_being_read(live: LiveServer) -> None:
    paths = post_paths(live)
    assert len(paths) > 30
    for path in paths:
        for content_type in (b"application/json", b"application/x-www-form-urlencoded"):
            head = b"Content-Type: " + content_type + f"\r\nContent-Length: {TEN_MB}\r\n".encode()
            status = await raw_post(live.url, path, head, b"a" * SENT)
            assert status == 413, (path, content_type, status)


async def test_chunked_10mb_bodies_are_cut_off(live: LiveServer) -> None:
    """Without a length the limit is counted while streaming. Routes that read the body
    (Twilio webhooks, the login form, the API with a valid token) answer 413; the
    others refuse before reading anything (401/403, or 303 to the login page)."""
    async with live.hub.uow() as uow:
        _, token = await create_api_token(uow, "big")
    limit = live.settings.max_body_bytes
    chunk = b"a" * 65536
    body = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") * (limit // len(chunk) + 2)
    for path in post_paths(live):
        reads = path.startswith(("/twilio/", "/api/v1/")) or path == "/login"
        head = (
            b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
            + f"Authorization: Bearer {token}\r\nX-Twilio-Signature: x\r\n".encode()
        )
        status = await raw_post(live.url, path, head, body)
        assert status == 413 if reads else status in (303, 401, 403, 413), (path, status)
