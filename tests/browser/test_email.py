"""Email in Chromium: an email arriving live in the console (subject, quoted text on
demand, the formatted HTML in a sandboxed frame, attachments by name; nothing from
its HTML runs), and the widget's "Continue
by email" after verifying the address with a code sent by email.

Chromium, ``page`` and the live hub ``console_server`` (with agent Sam) come from
``tests/browser/conftest.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from hub.actions.inbound import receive_inbound
from hub.models import Event
from hub.types import Inbound
from tests.browser.conftest import dialogs_of, sign_in_console
from tests.conftest import LiveServer, live_server, make_settings

pytestmark = pytest.mark.browser

WIDGET = "[data-omnihub-widget]"
WAIT_MS = 15_000
EMAIL_ENV = {"HUB_SMTP_URL": "smtp://127.0.0.1:9", "HUB_EMAIL_ADDRESS": "support@shop.example"}


async def test_an_email_shows_live_with_subject_quote_and_attachments(
    console_server: LiveServer, page: Page
) -> None:
    dialogs = dialogs_of(page)
    async with console_server.hub.uow() as uow:
        first = await receive_inbound(
            uow,
            Inbound(
                channel="email", kind="email", address="grace@customer.example",
                body="First mail", provider_id="m1@customer.example", name="Grace",
                verified=False,
            ),
        )  # fmt: skip
    await sign_in_console(page, console_server)
    await page.goto(f"{console_server.url}/customers/{first.customer.id}")
    await expect(page.locator("body")).to_have_attribute("data-live", "1")
    async with console_server.hub.uow() as uow:
        await receive_inbound(
            uow,
            Inbound(
                channel="email",
                kind="email",
                address="grace@customer.example",
                body="Thanks, label attached",
                provider_id="m2@customer.example",
                verified=False,
                data={
                    "subject": "Re: Return <img src=x onerror=alert(1)>",
                    "quoted": "> Please send the label",
                    "html": "<p>Thanks, <b>label</b> attached</p><script>alert(3)</script>",
                    "attachments": [
                        {"filename": "label.pdf", "size": 2048, "url": "https://x.test/a"},
                        {"filename": "clip.mp4", "size": 30_000_000, "omitted": "too large"},
                    ],
                },
            ),
        )
    event = page.locator("[data-timeline] .event").last
    await expect(event.locator("[data-subject]")).to_have_text(
        "Re: Return <img src=x onerror=alert(1)>", timeout=WAIT_MS
    )
    await expect(event.locator(".body").first).to_have_text("Thanks, label attached")
    quoted = event.locator("[data-quoted] pre")
    await expect(quoted).to_be_hidden()
    await event.get_by_text("Show quoted text").click()
    await expect(quoted).to_have_text("> Please send the label")
    await event.get_by_text("Show formatted message").click()
    frame = event.locator("[data-formatted] iframe")
    await expect(frame).to_have_attribute("sandbox", "")
    await expect(frame.content_frame.locator("b")).to_have_text("label")
    files = event.locator("[data-files] li")
    await expect(files).to_have_count(2)
    await expect(files.first.locator("a")).to_have_text("label.pdf")
    await expect(files.last).to_contain_text("clip.mp4 28.6 MB — too large")
    assert dialogs == []


async def test_continue_by_email_after_verifying_the_address(
    sqlite_url: str, tmp_path: Path, page: Page
) -> None:
    # The outbox is off: the mails are committed (and read back here), not sent.
    settings = make_settings(sqlite_url, tmp_path, environ=EMAIL_ENV)
    async with live_server(settings, run_outbox=False) as shop:
        await page.goto(f"{shop.url}/demo/shop")
        await page.locator(f"{WIDGET} .launcher").click()
        await expect(page.locator(f"{WIDGET} .status")).to_have_text("Offline", timeout=WAIT_MS)
        await page.locator(f"{WIDGET} input[name=email]").fill("ada@example.com")
        await page.locator(f"{WIDGET} textarea[name=body]").fill("Can you email me?")
        await page.locator(f"{WIDGET} .composer .send").click()
        await expect(page.locator(f"{WIDGET} .msg.me:not(.pending)")).to_have_count(
            1, timeout=WAIT_MS
        )
        await page.get_by_role("button", name="Continue by email").click()
        field = page.locator(f"{WIDGET} input[name=verify]")
        await expect(field).to_have_attribute("type", "email", timeout=WAIT_MS)
        await expect(field).to_have_value("ada@example.com")
        await field.press("Enter")
        await expect(field).to_have_attribute("placeholder", re.compile("emailed"), timeout=WAIT_MS)
        async with shop.hub.read() as db:
            mail = (await db.execute(select(Event).where(Event.channel == "email"))).scalar_one()
        code = re.search(r"\d{6}", mail.body or "")
        assert code is not None
        await field.fill(code.group(0))
        await field.press("Enter")
        note = page.locator(f"{WIDGET} .msg.system")
        await expect(note).to_contain_text("We've emailed you at ada@example.com", timeout=WAIT_MS)
