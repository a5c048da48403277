"""The widget in Chromium on the demo shop: send, agent reply, reload keeps history.

Chromium, ``page`` and the live hub ``console_server`` (with agent Sam) come from
``tests/browser/conftest.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect
from sqlalchemy import select

from hub.actions.replies import send_reply
from hub.models import Agent, Event
from tests.browser.conftest import sign_in_console
from tests.conftest import LiveServer, live_server, make_settings

WIDGET = "[data-omnihub-widget]"
# Generous: the 2-core test machine is shared; passing runs never wait this long.
WAIT_MS = 15_000
# Runs before any page script: remembers the window's own properties so the test can
# tell which globals the widget added.
SNAPSHOT_GLOBALS = "document.omnihubBaseline = Object.getOwnPropertyNames(window);"


async def reply_as_agent(live: LiveServer, body: str) -> None:
    async with live.hub.read() as db:
        event = (await db.execute(select(Event).where(Event.direction == "in"))).scalar_one()
        agent = (await db.execute(select(Agent))).scalar_one()
    async with live.hub.uow() as uow:
        await send_reply(uow, event.customer_id, body, channel="webchat", agent_id=agent.id)


async def test_chat_on_the_demo_shop(console_server: LiveServer, page: Page) -> None:
    shop = console_server
    await page.context.add_init_script(SNAPSHOT_GLOBALS)
    errors: list[Any] = []

    def record_error(error: Any) -> None:
        errors.append(error)

    page.on("pageerror", record_error)
    await page.goto(f"{shop.url}/demo/shop")
    launcher = page.locator(f"{WIDGET} .launcher")
    await launcher.click()
    # No agent has a console open: the widget says so and asks for a way to follow up.
    await expect(page.locator(f"{WIDGET} .status")).to_have_text("Offline", timeout=WAIT_MS)
    await expect(page.locator(f"{WIDGET} .notice")).to_contain_text(
        "within 2 hours", timeout=WAIT_MS
    )
    await page.locator(f"{WIDGET} textarea[name=body]").fill("Hello?")
    await page.locator(f"{WIDGET} .composer .send").click()
    await expect(page.locator(f"{WIDGET} .error")).to_contain_text(
        "email or phone", timeout=WAIT_MS
    )
    await page.locator(f"{WIDGET} input[name=name]").fill("Ada")
    await page.locator(f"{WIDGET} input[name=email]").fill("ada@example.com")
    await page.locator(f"{WIDGET} textarea[name=body]").fill("Is the trail jacket waterproof?")
    await page.locator(f"{WIDGET} textarea[name=body]").press("Enter")
    mine = page.locator(f"{WIDGET} .msg.me:not(.pending)")
    await expect(mine).to_have_text("Is the trail jacket waterproof?", timeout=WAIT_MS)

    await reply_as_agent(shop, "Yes, fully seam-sealed.")
    agent = page.locator(f"{WIDGET} .msg.agent")
    await expect(agent).to_contain_text("Yes, fully seam-sealed.", timeout=WAIT_MS)
    await expect(agent.locator(".who")).to_have_text("Sam", timeout=WAIT_MS)

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
    await expect(texts).to_have_text(
        ["Is the trail jacket waterproof?", "Yes, fully seam-sealed."], timeout=WAIT_MS
    )
    assert errors == []


async def test_agent_answers_from_the_console(console_server: LiveServer, page: Page) -> None:
    """Both sides in Chromium: the console's open socket makes the widget say "Online",
    the agent's typing and reply appear in the widget."""
    shop = console_server
    console = await page.context.new_page()
    await sign_in_console(console, shop)

    await page.goto(f"{shop.url}/demo/shop")
    await page.locator(f"{WIDGET} .launcher").click()
    await expect(page.locator(f"{WIDGET} .status")).to_have_text("Online", timeout=WAIT_MS)
    await page.locator(f"{WIDGET} input[name=name]").fill("Grace")
    await page.locator(f"{WIDGET} textarea[name=body]").fill("Do you ship to Canada?")
    await page.locator(f"{WIDGET} .composer .send").click()
    await expect(page.locator(f"{WIDGET} .msg.me:not(.pending)")).to_have_count(1, timeout=WAIT_MS)

    async with shop.hub.read() as db:
        customer_id = (await db.execute(select(Event.customer_id))).scalar_one()
    await console.goto(f"{shop.url}/customers/{customer_id}")
    await console.locator("#reply-body").press_sequentially("We do!")
    await expect(page.locator(f"{WIDGET} .typing")).to_have_text("Sam is typing…", timeout=WAIT_MS)
    await console.locator("[data-reply-submit]").click()
    agent = page.locator(f"{WIDGET} .msg.agent")
    await expect(agent).to_contain_text("We do!", timeout=WAIT_MS)
    await expect(agent.locator(".who")).to_have_text("Sam", timeout=WAIT_MS)

    await page.reload()
    await page.locator(f"{WIDGET} .launcher").click()
    await expect(page.locator(f"{WIDGET} .msg .text")).to_have_text(
        ["Do you ship to Canada?", "We do!"], timeout=WAIT_MS
    )


async def test_continue_by_sms_after_verifying_the_phone(
    sqlite_url: str, tmp_path: Path, page: Page
) -> None:
    # The outbox is off: the texts are committed (and read back here), not sent to Twilio.
    async with live_server(make_settings(sqlite_url, tmp_path), run_outbox=False) as shop:
        await page.goto(f"{shop.url}/demo/shop")
        await page.locator(f"{WIDGET} .launcher").click()
        await expect(page.locator(f"{WIDGET} .status")).to_have_text("Offline", timeout=WAIT_MS)
        await page.locator(f"{WIDGET} input[name=email]").fill("ada@example.com")
        await page.locator(f"{WIDGET} textarea[name=body]").fill("Can you text me?")
        await page.locator(f"{WIDGET} .composer .send").click()
        await expect(page.locator(f"{WIDGET} .msg.me:not(.pending)")).to_have_count(
            1, timeout=WAIT_MS
        )
        await page.get_by_role("button", name="Continue by SMS").click()
        field = page.locator(f"{WIDGET} input[name=verify]")
        await field.fill("555 010 7070")
        await field.press("Enter")
        await expect(field).to_have_attribute("placeholder", re.compile("code"), timeout=WAIT_MS)
        async with shop.hub.read() as db:
            text = (await db.execute(select(Event).where(Event.channel == "sms"))).scalar_one()
        code = re.search(r"\d{6}", text.body or "")
        assert code is not None
        await field.fill(code.group(0))
        await field.press("Enter")
        note = page.locator(f"{WIDGET} .msg.system")
        await expect(note).to_contain_text("We've texted you from +15550001111", timeout=WAIT_MS)
