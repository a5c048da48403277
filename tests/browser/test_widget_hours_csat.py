"""The widget in Chromium: business hours (closed notice, auto-reply, "we reply in ~N
minutes") and the CSAT rating after a resolve.

Chromium and ``page`` come from ``tests/browser/conftest.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from hub.actions.staff import create_agent
from hub.actions.threads import set_thread_status
from hub.models import CsatSurvey, Event
from tests.browser.conftest import AGENT_EMAIL, AGENT_PASSWORD, sign_in_console
from tests.conftest import LiveServer, live_server, make_settings
from tests.hub.policies.hours_support import closed_now, open_all_week

WIDGET = "[data-omnihub-widget]"
WAIT_MS = 15_000


@pytest.fixture
async def shop(sqlite_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    """A live hub with CSAT surveys on and agent Sam."""
    async with live_server(make_settings(sqlite_url, tmp_path, csat_surveys=True)) as live:
        async with live.hub.uow() as uow:
            await create_agent(uow, AGENT_EMAIL, "Sam", AGENT_PASSWORD, role="admin")
        yield live


async def test_closed_then_open_then_rate(shop: LiveServer, page: Page) -> None:
    errors: list[Any] = []

    def record_error(error: Any) -> None:
        errors.append(error)

    page.on("pageerror", record_error)
    await closed_now(shop.hub)
    await page.goto(f"{shop.url}/demo/shop")
    await page.locator(f"{WIDGET} .launcher").click()
    await expect(page.locator(f"{WIDGET} .status")).to_have_text("Closed", timeout=WAIT_MS)
    await expect(page.locator(f"{WIDGET} .notice")).to_contain_text(
        "We open again", timeout=WAIT_MS
    )
    await expect(page.locator(f"{WIDGET} .eta")).to_be_hidden()

    await page.locator(f"{WIDGET} input[name=email]").fill("ada@example.com")
    await page.locator(f"{WIDGET} textarea[name=body]").fill("Do you have size 9?")
    await page.locator(f"{WIDGET} .composer .send").click()
    await expect(page.locator(f"{WIDGET} .msg.agent")).to_contain_text(
        "We're closed, back", timeout=WAIT_MS
    )

    # Open hours with an agent's console open: the widget says how soon we reply.
    await open_all_week(shop.hub, reply_minutes=7)
    console = await page.context.new_page()
    await sign_in_console(console, shop)
    await page.locator(f"{WIDGET} .close").click()
    await page.locator(f"{WIDGET} .launcher").click()
    await expect(page.locator(f"{WIDGET} .status")).to_have_text("Online", timeout=WAIT_MS)
    await expect(page.locator(f"{WIDGET} .eta")).to_have_text(
        "We reply in ~7 minutes", timeout=WAIT_MS
    )

    async with shop.hub.read() as db:
        customer_id = (await db.execute(select(Event.customer_id).limit(1))).scalar_one()
    async with shop.hub.uow() as uow:
        await set_thread_status(uow, customer_id, "resolved")
    group = page.get_by_role("group", name="How did we do?")
    await expect(group.get_by_role("button")).to_have_count(5, timeout=WAIT_MS)
    await group.get_by_role("button", name="4 out of 5").click()
    await expect(page.locator(f"{WIDGET} .csat .thanks")).to_have_text(
        "Thanks! You rated us 4 out of 5.", timeout=WAIT_MS
    )
    async with shop.hub.read() as db:
        survey = (await db.execute(select(CsatSurvey))).scalar_one()
    assert (survey.state, survey.score, survey.answer_channel) == ("answered", 4, "webchat")

    # After a reload the answered survey is gone and its question is not shown as text.
    await page.reload()
    await page.locator(f"{WIDGET} .launcher").click()
    await expect(page.locator(f"{WIDGET} .msg .text")).to_have_count(2, timeout=WAIT_MS)
    await expect(page.locator(f"{WIDGET} .csat")).to_have_count(0)
    assert errors == []
