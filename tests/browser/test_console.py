"""The agent console in Chromium: sign-in, live updates, reply, resolve, merge, XSS."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from hub import events as ev
from hub.actions.inbound import receive_inbound
from hub.actions.instore import request_assist
from hub.actions.staff import create_terminal, get_or_create_store
from hub.types import Inbound
from tests.browser.conftest import dialogs_of, sign_in_console
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(2)</script>"


async def arrive(server: LiveServer, **kwargs: object) -> int:
    """A customer message through the hub on the live server (published after commit)."""
    values: dict[str, object] = {"channel": "webchat", "kind": "visitor", "address": "visitor-1"}
    values.update(kwargs)
    async with server.hub.uow() as uow:
        received = await receive_inbound(uow, Inbound(**values))  # type: ignore[arg-type]
    return received.customer.id


async def test_sign_in_shows_the_inbox(console_server: LiveServer, page: Page) -> None:
    await page.goto(f"{console_server.url}/customers/1")
    assert "/login" in page.url
    await sign_in_console(page, console_server)
    await expect(page.locator("h1.visually-hidden")).to_have_text("Inbox")
    await expect(page.locator(".me-name")).to_have_text("Sam")


async def test_messages_show_up_live_in_inbox_and_thread(
    console_server: LiveServer, page: Page
) -> None:
    await sign_in_console(page, console_server)
    customer = await arrive(
        console_server, body="Hello from the widget", provider_id="c1", name="Grace"
    )
    row = page.locator(f'[data-inbox-rows] tr[data-customer-id="{customer}"]')
    await expect(row).to_contain_text("Hello from the widget")
    await expect(row.locator('[data-field="unread"]')).to_have_text("1")
    await row.locator("a").click()
    await expect(page.locator("#customer-name")).to_have_text("Grace")
    await expect(page.locator("body")).to_have_attribute("data-live", "1")
    await arrive(console_server, body="Are you there?", provider_id="c2")
    events = page.locator("[data-timeline] .event")
    await expect(events.last).to_contain_text("Are you there?")
    await expect(events).to_have_count(2)
    # A later call on another channel: a handoff marker appears between them.
    await arrive(
        console_server,
        channel="sms",
        kind="phone",
        address="+15551230000",
        body="texting now",
        provider_id="SM1",
        customer_id=customer,
    )
    await expect(page.locator(".handoff-marker").last).to_contain_text("moved from webchat to sms")


async def test_reply_note_and_resolve(console_server: LiveServer, page: Page) -> None:
    customer = await arrive(
        console_server, body="Do you ship to Canada?", provider_id="c1", name="Grace"
    )
    await sign_in_console(page, console_server)
    await page.goto(f"{console_server.url}/customers/{customer}")
    await expect(page.locator("body")).to_have_attribute("data-live", "1")
    channel = page.locator("#reply-channel")
    await expect(channel).to_have_value("webchat")
    await expect(channel.locator("option")).to_have_text(["Web chat"])

    await page.locator("#reply-body").fill("We do!")
    await page.locator("#reply-body").press("Control+Enter")
    reply = page.locator("[data-timeline] .event.dir-out")
    await expect(reply).to_contain_text("We do!")
    await expect(reply.locator("[data-delivery]")).not_to_have_text("")
    await expect(page.locator("#reply-body")).to_have_value("")

    await page.get_by_label("Private note").check()
    await expect(channel).to_be_disabled()
    await page.locator("#reply-body").fill("Customer is a VIP")
    await page.locator("[data-reply-submit]").click()
    await expect(page.locator("[data-timeline] .event.type-note")).to_contain_text("VIP")

    await page.locator("[data-action=resolve]").click()
    await expect(page.locator("[data-thread-status]")).to_have_text("resolved")
    await expect(page.locator("[data-action=reopen]")).to_be_visible()
    await page.locator("[data-action=reopen]").click()
    await expect(page.locator("[data-thread-status]")).to_have_text("open")


async def test_merge_and_unmerge(console_server: LiveServer, page: Page) -> None:
    by_phone = await arrive(
        console_server,
        channel="sms",
        kind="phone",
        address="+15551230000",
        body="hi by text",
        provider_id="SM1",
        name="Dana",
    )
    typed = await arrive(
        console_server,
        body="my number is 555 123 0000",
        provider_id="c1",
        details={"phone": "+15551230000"},
    )
    await sign_in_console(page, console_server)
    await page.goto(f"{console_server.url}/customers/{typed}")
    await page.locator(f'[data-merge="{by_phone}"]').click()
    await expect(page.locator("[data-timeline]")).to_contain_text("hi by text")
    await expect(page.locator("#customer-name")).to_have_text("Dana")

    await page.goto(f"{console_server.url}/audit")
    await page.locator("[data-unmerge]").first.click()
    await expect(page.locator("[data-merge-id]").first).to_contain_text("undone")
    await page.goto(f"{console_server.url}/customers/{typed}")
    await expect(page.locator("[data-timeline]")).not_to_contain_text("hi by text")


async def test_hostile_bodies_are_shown_as_text(console_server: LiveServer, page: Page) -> None:
    customer = await arrive(console_server, body=XSS_IMG, provider_id="c1", name=XSS_SCRIPT)
    await sign_in_console(page, console_server)
    await expect(page.locator("[data-inbox-rows]")).to_contain_text(XSS_IMG)
    await page.goto(f"{console_server.url}/customers/{customer}")
    await expect(page.locator("body")).to_have_attribute("data-live", "1")
    await expect(page.locator("[data-timeline] .body").first).to_have_text(XSS_IMG)
    await expect(page.locator("#customer-name")).to_have_text(XSS_SCRIPT)
    # The same through the live path (console.js renders it).
    await arrive(console_server, body=XSS_SCRIPT, provider_id="c2")
    await expect(page.locator("[data-timeline] .body").last).to_have_text(XSS_SCRIPT)
    await page.goto(f"{console_server.url}/")
    await expect(page.locator("[data-inbox-rows]")).to_contain_text(XSS_SCRIPT)
    assert await page.locator("[data-timeline] img, main img").count() == 0
    assert dialogs_of(page) == []


async def test_answer_a_store_assist_request(console_server: LiveServer, page: Page) -> None:
    customer = await arrive(console_server, body="at the store", provider_id="c1", name="Ivy")
    async with console_server.hub.uow() as uow:
        terminal, _ = await create_terminal(uow, "DT1", "Floor tablet")
        store = await get_or_create_store(uow, "DT1")
        await request_assist(uow, terminal, store, customer, "Can we refund a gift card?")
    await sign_in_console(page, console_server)
    await page.goto(f"{console_server.url}/customers/{customer}")
    form = page.locator("form[data-assist-form]")
    await form.get_by_label("Answer the store").fill("Yes, to store credit.")
    await form.get_by_role("button").click()
    await expect(form).to_have_count(0)
    await expect(page.locator("[data-timeline] .event.type-assist").last).to_contain_text(
        "Yes, to store credit."
    )


async def test_incoming_call_pops_the_thread_and_presence_shows(
    console_server: LiveServer, page: Page
) -> None:
    customer = await arrive(console_server, body="I'll call you", provider_id="c1", name="Ola")
    await sign_in_console(page, console_server)
    # What the phone connector publishes after committing a ringing call.
    pop = {"customer_id": customer, "name": "Ola", "caller": None}
    await console_server.hub.publish([ev.DomainEvent(ev.CALL_INCOMING, pop, customer)])
    await page.wait_for_url(f"{console_server.url}/customers/{customer}")
    await expect(page.locator("#customer-name")).to_have_text("Ola")
    await expect(page.locator("aside.panel")).to_be_visible()
    me = page.locator('[data-presence-agent="1"]')
    await expect(me).to_have_attribute("data-presence-state", "online")
    await page.locator("[data-presence]").select_option("away")
    await expect(me).to_have_attribute("data-presence-state", "away")
