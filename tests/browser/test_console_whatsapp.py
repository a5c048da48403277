"""The reply box for a WhatsApp customer in Chromium: the time left in the 24-hour
window, and once it closed, choosing an approved template, typing its values and
seeing the text the customer will read before sending it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from hub.actions.consent import record_opt_in
from hub.actions.inbound import receive_inbound
from hub.actions.staff import create_agent
from hub.db import utcnow
from hub.models.consent import CUSTOMER_MESSAGE
from hub.types import Inbound
from tests.browser.conftest import AGENT_EMAIL, AGENT_PASSWORD, sign_in_console
from tests.conftest import LiveServer, live_server
from tests.connectors.whatsapp.conftest import whatsapp_settings
from tests.connectors.whatsapp.support import ORDER_READY
from tests.connectors.whatsapp.test_templates import use_templates

pytestmark = pytest.mark.browser


@pytest.fixture
async def whatsapp_server(sqlite_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with live_server(whatsapp_settings(sqlite_url, tmp_path, outbox_enabled=False)) as live:
        async with live.hub.uow() as uow:
            await create_agent(uow, AGENT_EMAIL, "Sam", AGENT_PASSWORD, role="admin")
        use_templates(live.hub)
        yield live


async def wrote_on_whatsapp(server: LiveServer, hours_ago: float) -> int:
    async with server.hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="whatsapp",
                kind="phone",
                address="+15551230000",
                body="Is my order ready?",
                provider_id="SMwa1",
                name="Ann",
                occurred_at=utcnow() - timedelta(hours=hours_ago),
            ),
        )
        assert received.identity is not None
        await record_opt_in(uow, received.identity.id, "whatsapp", CUSTOMER_MESSAGE)
    return received.customer.id


async def test_the_reply_box_counts_the_window_down(
    whatsapp_server: LiveServer, page: Page
) -> None:
    customer = await wrote_on_whatsapp(whatsapp_server, hours_ago=2)
    await sign_in_console(page, whatsapp_server)
    await page.goto(f"{whatsapp_server.url}/customers/{customer}")
    channel = page.locator("#reply-channel")
    await expect(channel).to_have_value("whatsapp")
    options = page.locator('[data-reply-options="whatsapp"]')
    await expect(options).to_be_visible()
    await expect(options.locator("[data-time-left]")).to_contain_text("21 h")
    await channel.select_option("sms")
    await expect(options).to_be_hidden()


async def test_after_24_hours_an_approved_template_is_sent(
    whatsapp_server: LiveServer, page: Page
) -> None:
    customer = await wrote_on_whatsapp(whatsapp_server, hours_ago=30)
    await sign_in_console(page, whatsapp_server)
    await page.goto(f"{whatsapp_server.url}/customers/{customer}")
    await expect(page.locator("body")).to_have_attribute("data-live", "1")
    options = page.locator('[data-reply-options="whatsapp"]')
    await expect(options).to_contain_text("last wrote on WhatsApp 30 hours ago")

    body = page.locator("#reply-body")
    await body.fill("Are you still there?")
    await page.locator("[data-reply-submit]").click()
    await expect(page.locator("[data-reply-error]")).to_contain_text("24 hours")

    await options.locator("[data-template-select]").select_option(ORDER_READY)
    await expect(body).to_have_js_property("readOnly", True)
    await expect(body).to_have_value("Hi {{1}}, your order {{2}} is ready for pickup.")
    await options.locator('input[name="template_var_1"]').fill("Ann")
    await options.locator('input[name="template_var_2"]').fill("A-1001")
    await expect(body).to_have_value("Hi Ann, your order A-1001 is ready for pickup.")
    await page.locator("[data-reply-submit]").click()
    reply = page.locator("[data-timeline] .event.dir-out")
    await expect(reply).to_contain_text("Hi Ann, your order A-1001 is ready for pickup.")
    await expect(options.locator("[data-template-select]")).to_have_value("")
    await expect(body).to_have_js_property("readOnly", False)
    await expect(body).to_have_value("")
