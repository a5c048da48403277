"""In-store frames while the database is unreachable: an ``unavailable`` error ack
comes back at once, the socket stays open, and the resend after the outage applies
once. PostgreSQL behind a proxy the test cuts (``tests/outage.py``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosedError

from connectors.instore.protocol import CLOSE_UNAVAILABLE
from hub.actions.staff import create_terminal
from tests.conftest import live_server, make_settings, require_service
from tests.connectors.instore.conftest import call, terminal
from tests.outage import proxied_database


async def test_frame_during_outage_acks_unavailable_and_socket_stays_open(
    pg_database: str | None, tmp_path: Path
) -> None:
    url = require_service(pg_database, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    async with proxied_database(url) as (proxied, proxy):
        settings = make_settings(proxied, tmp_path)
        async with live_server(settings, run_outbox=False) as live:
            async with live.hub.uow() as uow:
                _, key = await create_terminal(uow, "S1", "Tablet", role="associate")
            frame = {"id": "o1", "type": "checkin", "phone": "+15553334444"}
            async with terminal(live, key) as ws:
                # Authenticated once the first ack is back (the key is checked after
                # the handshake).
                assert (await call(ws, {"id": "l1", "type": "lookup", "email": "x@y.z"}))["ok"]
                await proxy.cut()
                started = time.monotonic()
                ack = await call(ws, frame)
                assert time.monotonic() - started < 5
                assert ack["ok"] is False and ack["error"]["code"] == "unavailable"

                await proxy.restore()
                again = await call(ws, frame)  # same socket, same id
                assert again["ok"] is True, again
                assert await call(ws, frame) == again


async def test_connecting_during_outage_closes_with_try_again_later(
    pg_database: str | None, tmp_path: Path
) -> None:
    url = require_service(pg_database, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    async with proxied_database(url) as (proxied, proxy):
        settings = make_settings(proxied, tmp_path)
        async with live_server(settings, run_outbox=False) as live:
            async with live.hub.uow() as uow:
                _, key = await create_terminal(uow, "S1", "Tablet", role="associate")
            await proxy.cut()
            async with terminal(live, key) as ws:
                with pytest.raises(ConnectionClosedError):
                    await ws.recv()
            assert ws.close_code == CLOSE_UNAVAILABLE
