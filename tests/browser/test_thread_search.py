"""Searching a thread in Chromium: a call transcript is found from the search box."""

from __future__ import annotations

from playwright.async_api import Page, expect

from hub.actions.calls import attach_transcript
from hub.actions.inbound import receive_inbound
from hub.types import Inbound
from tests.browser.conftest import sign_in_console
from tests.conftest import LiveServer


async def test_search_box_finds_a_call_transcript(console_server: LiveServer, page: Page) -> None:
    hub = console_server.hub
    async with hub.uow() as uow:
        call = await receive_inbound(
            uow,
            Inbound(
                channel="phone",
                kind="phone",
                address="+15557770101",
                body="Incoming call",
                provider_id="CA1",
                type="call",
                status="completed",
                name="Dana",
            ),
        )
    async with hub.uow() as uow:
        await attach_transcript(
            uow, "phone", "CA1", "RE1", "Caller: the blue kettle arrived broken"
        )
    await sign_in_console(page, console_server)
    await page.goto(f"{console_server.url}/customers/{call.customer.id}")
    recordings = page.locator("[data-call-recordings] li")
    await expect(recordings).to_have_text(["? s"])  # the transcript's recording, no URL yet
    await page.locator("#thread-q").fill("KETTLE")
    await page.keyboard.press("Enter")
    results = page.locator("[data-thread-search-results] li")
    await expect(results).to_have_count(1)
    await expect(results.first).to_contain_text("call transcript")
    await expect(results.first).to_contain_text("the blue kettle arrived broken")
    await page.locator("#thread-q").fill("teapot")
    await page.keyboard.press("Enter")
    await expect(results).to_have_text(["Nothing found in this thread."])
