"""The console's phone controls in Chromium: click-to-call (one call per click, even
double-clicked) and the live queue indicator."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import Page, expect

from hub.actions.inbound import receive_inbound
from hub.actions.staff import create_agent
from hub.core import Hub
from hub.types import Inbound
from simulators.twilio import serve_simulator
from simulators.twilio.voice import CallsResource
from tests.browser.conftest import AGENT_EMAIL, AGENT_PASSWORD, sign_in_console
from tests.conftest import TWILIO_TEST_SID, TWILIO_TEST_TOKEN, live_server, make_settings

CUSTOMER_PHONE = "+15557770101"


async def text_from(hub: Hub, phone: str, provider_id: str, name: str) -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="sms",
                kind="phone",
                address=phone,
                body="Please call me",
                provider_id=provider_id,
                name=name,
            ),
        )
    return received.customer.id


async def test_click_to_call_places_one_call_and_the_queue_is_live(
    sqlite_url: str, tmp_path: Path, page: Page
) -> None:
    async with serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN, callback_delay=0.05) as sim:
        settings = make_settings(sqlite_url, tmp_path).with_(twilio_api_base=sim.url)
        async with live_server(settings) as server:
            async with server.hub.uow() as uow:
                agent = await create_agent(uow, AGENT_EMAIL, "Sam", AGENT_PASSWORD)
            customer_id = await text_from(server.hub, CUSTOMER_PHONE, "SM1", "Grace")
            await sign_in_console(page, server)
            await page.goto(f"{server.url}/customers/{customer_id}")
            await expect(page.locator("body")).to_have_attribute("data-live", "1")

            queue = page.locator("[data-phone-queue]")
            await expect(queue).to_be_visible()
            await expect(queue.locator("[data-phone-queue-count]")).to_have_text(
                "0 callers waiting"
            )
            await expect(queue.locator("[data-answer-next]")).to_be_hidden()

            button = page.locator("[data-call-customer]")
            await button.dblclick()
            state = page.locator("[data-call-state]")
            await expect(state).to_contain_text("Calling your phone")
            calls = page.locator('[data-timeline] .event[data-type="call"]')
            await expect(calls).to_have_count(1)
            await expect(calls.first).to_contain_text("Outgoing call")
            await expect(button).to_be_enabled()
            await asyncio.sleep(0.2)  # a second call would have been placed by now
            placed = sim.simulator.resource(CallsResource).calls
            agent_calls = [c for c in placed if c.to.startswith("client:")]
            assert len(agent_calls) == 1  # (once answered, the hub rang the customer too)
            assert agent_calls[0].to == f"client:agent-{agent.id}"

            # The customer calls and joins the queue: the indicator and the timeline
            # (with the call's route) update live.
            async with server.hub.uow() as uow:
                await receive_inbound(
                    uow,
                    Inbound(
                        channel="phone",
                        kind="phone",
                        address=CUSTOMER_PHONE,
                        body="Incoming call",
                        provider_id="CA-queued",
                        type="call",
                        status="ringing",
                        data={"route": {"mode": "queue", "agent_id": None, "sticky": False}},
                    ),
                )
            await expect(queue.locator("[data-phone-queue-count]")).to_have_text("1 caller waiting")
            await expect(calls).to_have_count(2)
            await expect(calls.last.locator("[data-call-route]")).to_have_text("Queued")
