"""Console additions in Chromium: the "/" canned-response picker (keyboard only), MMS
media on live and rendered rows, and the SMS opt-out notice in the reply box."""

from __future__ import annotations

from playwright.async_api import Page, expect

from hub.actions.canned import create_canned
from hub.actions.consent import STOP, apply_consent
from hub.actions.inbound import receive_inbound
from hub.types import Inbound
from tests.browser.conftest import dialogs_of, sign_in_console
from tests.conftest import LiveServer

EVIL = "<img src=x onerror=alert(1)>"
CAT = "https://media.example.com/cat.jpg"


async def arrive(server: LiveServer, **kwargs: object) -> tuple[int, int]:
    values: dict[str, object] = {
        "channel": "sms",
        "kind": "phone",
        "address": "+15551230000",
    }
    values.update(kwargs)
    async with server.hub.uow() as uow:
        received = await receive_inbound(uow, Inbound(**values))  # type: ignore[arg-type]
    assert received.identity is not None
    return received.customer.id, received.identity.id


async def test_slash_opens_canned_responses_and_inserts_the_rendered_text(
    console_server: LiveServer, page: Page
) -> None:
    customer, _ = await arrive(console_server, body="hello", provider_id="SM1", name=f"Dana {EVIL}")
    async with console_server.hub.uow() as uow:
        await create_canned(uow, "hello", "Greeting", "Hi {{customer.first_name}}!")
        await create_canned(
            uow, "refund", "Refund policy", "Refunds take 5 days, {{customer.name}}."
        )
        await create_canned(uow, "ship", "Shipping", "It ships today.")
    await sign_in_console(page, console_server)
    await page.goto(f"{console_server.url}/customers/{customer}")
    box = page.locator("#reply-body")
    await box.click()
    await page.keyboard.type("Thanks. /")
    picker = page.locator("[data-canned-picker]")
    await expect(picker).to_be_visible()
    await expect(box).to_have_attribute("aria-expanded", "true")
    options = page.locator("[data-canned-list] [role=option]")
    await expect(options).to_have_count(3)
    await page.keyboard.type("ref")
    await expect(options).to_have_count(1)
    await expect(options.first).to_contain_text("Refund policy")
    for _ in range(3):
        await page.keyboard.press("Backspace")
    await expect(options).to_have_count(3)
    await page.keyboard.press("ArrowDown")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("Escape")
    await expect(picker).to_be_hidden()
    await expect(box).to_have_value("Thanks. /")
    await page.keyboard.press("Backspace")
    await page.keyboard.type("/ref")
    await expect(options).to_have_count(1)
    await page.keyboard.press("Enter")
    await expect(picker).to_be_hidden()
    # Rendered for this customer on the server; the hostile name stays plain text.
    await expect(box).to_have_value(f"Thanks. Refunds take 5 days, Dana {EVIL}.")
    await page.keyboard.type(" /hel")
    await expect(options).to_have_count(1)
    await expect(options.first).to_contain_text("Greeting")
    await page.keyboard.press("Enter")
    await expect(box).to_have_value(f"Thanks. Refunds take 5 days, Dana {EVIL}. Hi Dana!")
    await expect(page.locator("[data-timeline] img")).to_have_count(0)
    assert dialogs_of(page) == []


async def test_mms_media_and_sms_opt_out(console_server: LiveServer, page: Page) -> None:
    media = [
        {"url": CAT, "content_type": "image/jpeg"},
        {"url": "https://media.example.com/a.pdf", "content_type": "application/pdf"},
        {"url": "javascript:alert(1)", "content_type": "image/png"},
    ]
    customer, phone = await arrive(
        console_server, body="photo", provider_id="MM1", data={"media": media}
    )
    await arrive(
        console_server,
        channel="webchat",
        kind="visitor",
        address="v-1",
        body="also here",
        provider_id="W1",
        customer_id=customer,
    )
    await sign_in_console(page, console_server)
    await page.goto(f"{console_server.url}/customers/{customer}")
    first = page.locator("[data-timeline] .event").first
    await expect(first.locator(".media img")).to_have_attribute("src", CAT)
    await expect(first.locator(".media a").nth(1)).to_have_text("Attachment 2 (application/pdf)")
    # The same through the live path.
    await arrive(console_server, body="another", provider_id="MM2", data={"media": media})
    live = page.locator("[data-timeline] .event").last
    await expect(live).to_contain_text("another")
    await expect(live.locator(".media img")).to_have_attribute("src", CAT)
    await expect(live.locator(".media a")).to_have_count(2)
    await expect(page.locator('[href^="javascript:"], [src^="javascript:"]')).to_have_count(0)

    # STOP: the panel shows the badge, the reply box no longer offers SMS and says why.
    async with console_server.hub.uow() as uow:
        await apply_consent(uow, phone, STOP)
    await page.goto(f"{console_server.url}/customers/{customer}")
    await expect(page.locator("[data-opted-out]")).to_have_text("opted out (STOP)")
    await expect(page.locator("[data-opted-out-notice]")).to_contain_text("opted out")
    channels = page.locator("#reply-channel option")
    await expect(channels).to_have_count(1)
    await expect(channels).not_to_have_attribute("value", "sms")
    assert dialogs_of(page) == []


async def test_new_pages_render_without_console_errors(
    console_server: LiveServer, page: Page
) -> None:
    """Admin pages, reports and the erase confirmation: no CSP violation or script error
    (HTTP errors such as the refused webhook's 422 are logged by Chromium; not counted)."""
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    customer, _ = await arrive(console_server, body="hi", provider_id="SM1")
    await sign_in_console(page, console_server)
    await page.goto(f"{console_server.url}/admin/canned")
    await page.locator("#c-shortcut").fill("thanks")
    await page.locator("#c-title").fill("Thanks")
    await page.locator("#c-body").fill("Thanks {{customer.first_name}}!")
    await page.get_by_role("button", name="Create canned response").click()
    await expect(page.locator("table")).to_contain_text("/thanks")
    await page.goto(f"{console_server.url}/admin/hours")
    await page.locator("#h-open-1").fill("22:00")
    await page.locator("#h-close-1").fill("06:00")
    await page.get_by_role("button", name="Save business hours").click()
    await expect(page.locator(".flash")).to_have_text("Business hours saved.")
    await expect(page.locator(".intervals")).to_contain_text("overnight")
    await page.goto(f"{console_server.url}/admin/webhooks")
    await page.locator("#w-url").fill("http://127.0.0.1:9/hook")
    await page.get_by_label("message.created").check()
    await page.get_by_role("button", name="Register webhook").click()
    await expect(page.locator("p.error", has_text="a private or local address")).to_be_visible()
    await page.goto(f"{console_server.url}/reports")
    await expect(page.locator("figure.chart svg")).to_have_count(3)
    await page.goto(f"{console_server.url}/customers/{customer}/erase")
    await expect(page.locator("h1")).to_contain_text("Erase personal data")
    assert errors == []
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
