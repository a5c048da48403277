"""The phone wallboard on the inbox in Chromium: the counts follow committed call
changes live over the agent socket (a caller queues, books a callback, another hangs up
while waiting, an agent answers) and agents' presence (online, away)."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect

from hub.actions.call_steps import add_call_leg, live_call, set_leg_status
from hub.actions.callback_requests import request_callback
from hub.actions.calls import update_call_status
from hub.types import CallUpdate
from tests.browser.conftest import sign_in_console
from tests.conftest import LiveServer
from tests.connectors.phone.conftest import queued_call


async def test_wallboard_counts_are_live(console_server: LiveServer, page: Page) -> None:
    hub = console_server.hub
    await sign_in_console(page, console_server)
    board = page.locator("[data-phone-wallboard]")
    await expect(board).to_be_visible()

    def tile(key: str) -> Locator:
        return board.locator(f'[data-wallboard="{key}"]')

    await expect(tile("waiting")).to_have_text("0")
    await expect(tile("longest")).to_have_text("–")
    await expect(tile("agents_online")).to_have_text("1")  # Sam's own console
    await expect(tile("agents_available")).to_have_text("1")

    await queued_call(hub, "CA1", "+15557770101")
    await queued_call(hub, "CA2", "+15557770102")
    await queued_call(hub, "CA3", "+15557770103")
    await expect(tile("waiting")).to_have_text("3")
    await expect(tile("longest")).to_have_text(re.compile(r"^\d+:\d\d$"))  # counting up

    async with hub.uow() as uow:  # CA1 asks to be called back, keeping its place
        await request_callback(uow, "phone", "CA1")
    await expect(tile("callbacks")).to_have_text("1")
    await expect(tile("waiting")).to_have_text("2")

    async with hub.uow() as uow:  # CA2 hangs up while waiting
        await update_call_status(uow, CallUpdate("phone", "CA2", "completed", 20))
    await expect(tile("abandoned_today")).to_have_text("1")
    await expect(tile("waiting")).to_have_text("1")

    async with hub.uow() as uow:  # an agent answers CA3 (its agent leg is answered)
        event = await live_call(uow, "phone", "CA3")
        assert event is not None
        event.agent_id = None
        await add_call_leg(uow, event, "CAleg", "agent", agent_id=1)
    async with hub.uow() as uow:
        await set_leg_status(uow, "phone", "CA3", "CAleg", "in-progress")
        event = await live_call(uow, "phone", "CA3")
        assert event is not None
        event.agent_id = 1
        event.data = {**event.data, "route": {"mode": "agent", "agent_id": 1, "sticky": False}}
        await update_call_status(uow, CallUpdate("phone", "CA3", "in-progress"))
    await expect(tile("answered_today")).to_have_text("1")
    await expect(tile("agents_on_calls")).to_have_text("1")
    await expect(tile("agents_available")).to_have_text("0")
    await expect(tile("waiting")).to_have_text("0")
    await expect(tile("longest")).to_have_text("–")
    await expect(tile("callbacks")).to_have_text("1")

    # Sam sets himself away: no longer online (the board re-reads on presence.updated).
    await page.locator("[data-presence]").select_option("away")
    await expect(tile("agents_online")).to_have_text("0")
    await expect(tile("agents_available")).to_have_text("0")
    await page.locator("[data-presence]").select_option("online")
    await expect(tile("agents_online")).to_have_text("1")
