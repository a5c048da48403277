"""The widget in Chromium through a database outage: the hub acks ``unavailable`` +
``retry``, the widget says it is retrying and resends the same client_id with a
backoff, and the message is stored once when the database is back. PostgreSQL behind
a proxy the test cuts (``tests/outage.py``)."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect
from sqlalchemy import func, select

from hub.models import Event
from tests.conftest import live_server, make_settings, require_service
from tests.outage import proxied_database

WIDGET = "[data-omnihub-widget]"
WAIT_MS = 15_000


async def test_widget_retries_a_message_sent_during_an_outage(
    pg_database: str | None, tmp_path: Path, page: Page
) -> None:
    url = require_service(pg_database, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    async with (
        proxied_database(url) as (proxied, proxy),
        live_server(make_settings(proxied, tmp_path), run_outbox=False) as shop,
    ):
        await page.goto(f"{shop.url}/demo/shop")
        await page.locator(f"{WIDGET} .launcher").click()
        await expect(page.locator(f"{WIDGET} .status")).to_have_text("Offline", timeout=WAIT_MS)
        await proxy.cut()
        await page.locator(f"{WIDGET} input[name=email]").fill("ada@example.com")
        await page.locator(f"{WIDGET} textarea[name=body]").fill("Still there?")
        await page.locator(f"{WIDGET} .composer .send").click()
        await expect(page.locator(f"{WIDGET} .error")).to_contain_text("retrying", timeout=WAIT_MS)
        await expect(page.locator(f"{WIDGET} .msg.me.pending")).to_have_count(1)

        await proxy.restore()
        mine = page.locator(f"{WIDGET} .msg.me:not(.pending)")
        await expect(mine).to_have_text("Still there?", timeout=WAIT_MS)
        await expect(page.locator(f"{WIDGET} .msg.me.failed")).to_have_count(0)
        await expect(page.locator(f"{WIDGET} .error")).to_be_hidden()
        async with shop.hub.read() as db:
            stored = await db.scalar(
                select(func.count()).select_from(Event).where(Event.body == "Still there?")
            )
        assert stored == 1
