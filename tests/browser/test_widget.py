"""The widget in Chromium on the demo shop: send, agent reply, reload keeps history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright, expect
from sqlalchemy import select

from hub.actions.replies import send_reply
from hub.actions.staff import create_agent
from hub.models import Event
from tests.conftest import LiveServer, live_server, make_settings

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Chromium is not installed (make browser)"
    ),
]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDGET = "[data-omnihub-widget]"
# Runs before any page script: remembers the window's own properties so the test can
# tell which globals the widget added.
SNAPSHOT_GLOBALS = "document.omnihubBaseline = Object.getOwnPropertyNames(window);"


@pytest.fixture
async def shop(sqlite_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with live_server(make_settings(sqlite_url, tmp_path)) as live:
        yield live


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context()
            await context.add_init_script(SNAPSHOT_GLOBALS)
            yield await context.new_page()
        finally:
            await browser.close()


async def reply_as_agent(live: LiveServer, body: str) -> None:
    async with live.hub.read() as db:
        event = (await db.execute(select(Event).where(Event.direction == "in"))).scalar_one()
    async with live.hub.uow() as uow:
        agent = await create_agent(uow, "sam@shop.example", "Sam", "pw-123456")
        await send_reply(uow, event.customer_id, body, channel="webchat", agent_id=agent.id)


async def test_chat_on_the_demo_shop(shop: LiveServer, page: Page) -> None:
    errors: list[Any] = []

    def record_error(error: Any) -> None:
        errors.append(error)

    page.on("pageerror", record_error)
    await page.goto(f"{shop.url}/demo/shop")
    launcher = page.locator(f"{WIDGET} .launcher")
    await launcher.click()
    # No agent has a console open: the widget says so and asks for a way to follow up.
    await expect(page.locator(f"{WIDGET} .status")).to_have_text("Offline")
    await expect(page.locator(f"{WIDGET} .notice")).to_contain_text("within 2 hours")
    await page.locator(f"{WIDGET} textarea[name=body]").fill("Hello?")
    await page.locator(f"{WIDGET} .send").click()
    await expect(page.locator(f"{WIDGET} .error")).to_contain_text("email or phone")
    await page.locator(f"{WIDGET} input[name=name]").fill("Ada")
    await page.locator(f"{WIDGET} input[name=email]").fill("ada@example.com")
    await page.locator(f"{WIDGET} textarea[name=body]").fill("Is the trail jacket waterproof?")
    await page.locator(f"{WIDGET} textarea[name=body]").press("Enter")
    mine = page.locator(f"{WIDGET} .msg.me:not(.pending)")
    await expect(mine).to_have_text("Is the trail jacket waterproof?")

    await reply_as_agent(shop, "Yes, fully seam-sealed.")
    agent = page.locator(f"{WIDGET} .msg.agent")
    await expect(agent).to_contain_text("Yes, fully seam-sealed.")
    await expect(agent.locator(".who")).to_have_text("Sam")

    # Isolation: the shop's `button { font-size: 30px }` does not reach the widget, and
    # the widget leaves no globals behind (not even the socket.io client's `io`).
    assert await launcher.evaluate("b => getComputedStyle(b).fontSize") != "30px"
    added = await page.evaluate(
        "Object.getOwnPropertyNames(window).filter(k => !document.omnihubBaseline.includes(k))"
    )
    assert added == []

    await page.reload()
    await page.locator(f"{WIDGET} .launcher").click()
    texts = page.locator(f"{WIDGET} .msg .text")
    await expect(texts).to_have_text(["Is the trail jacket waterproof?", "Yes, fully seam-sealed."])
    assert errors == []
