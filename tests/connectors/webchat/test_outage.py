"""A widget message while the database is unreachable is acked at once with
``unavailable`` + ``retry``; the resend with the same client_id after the outage
stores it once. PostgreSQL behind a proxy the test cuts (``tests/outage.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from hub.models import Event
from tests.conftest import live_server, make_settings, require_service
from tests.outage import proxied_database


async def test_message_during_outage_acks_unavailable_then_resend_stores_once(
    pg_database: str | None, tmp_path: Path, visitors: Callable[..., Any]
) -> None:
    url = require_service(pg_database, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    async with proxied_database(url) as (proxied, proxy):
        settings = make_settings(proxied, tmp_path)
        async with live_server(settings, run_outbox=False) as live:
            visitor, _ = await visitors(live.url)
            await proxy.cut()
            started = time.monotonic()
            ack = await visitor.send("Is anyone there?", client_id="out-1")
            assert time.monotonic() - started < 5
            assert ack["ok"] is False and ack["error"] == "unavailable" and ack["retry"] is True

            await proxy.restore()
            again = await visitor.send("Is anyone there?", client_id="out-1")
            assert again["ok"] is True, again
            third = await visitor.send("Is anyone there?", client_id="out-1")
            assert third["id"] == again["id"]
            async with live.hub.read() as db:
                stored = await db.scalar(
                    select(func.count()).select_from(Event).where(Event.body == "Is anyone there?")
                )
            assert stored == 1
