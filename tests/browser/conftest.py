"""Playwright fixtures for browser tests: the system Chromium, a fresh profile per test,
a live hub on SQLite and a console page signed in as an agent.

Reusable by any browser test: ``browser`` and ``page`` (a new context and page),
``console_server`` (a live hub), ``sign_in_console(page, server, email, password)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Dialog, Page, async_playwright, expect

from hub.actions.staff import create_agent
from tests.conftest import LiveServer, live_server, make_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AGENT_EMAIL = "sam@shop.example"
AGENT_PASSWORD = "pw-123456-long"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives Chromium: mark it, and skip when Chromium is missing."""
    missing = pytest.mark.skip(reason="Chromium is not installed (make browser)")
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists():
                item.add_marker(missing)


@pytest.fixture
async def chromium(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """Chromium with a new, empty profile directory, at 1280×800."""
    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        try:
            yield context
        finally:
            await context.close()


@pytest.fixture
async def page(chromium: BrowserContext) -> Page:
    """A new page; every dialog (alert, confirm...) it opens is dismissed and recorded in
    ``dialogs_of(page)`` so tests can assert that no script ran."""
    new_page = await chromium.new_page()
    dialogs: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    new_page.on("dialog", on_dialog)
    _DIALOGS[id(new_page)] = dialogs
    return new_page


_DIALOGS: dict[int, list[str]] = {}


def dialogs_of(page: Page) -> list[str]:
    return _DIALOGS.get(id(page), [])


@pytest.fixture
async def console_server(sqlite_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with live_server(make_settings(sqlite_url, tmp_path)) as live:
        async with live.hub.uow() as uow:
            await create_agent(uow, AGENT_EMAIL, "Sam", AGENT_PASSWORD, role="admin")
        yield live


async def sign_in_console(
    page: Page, server: LiveServer, email: str = AGENT_EMAIL, password: str = AGENT_PASSWORD
) -> None:
    """Sign in through the login form and wait until the console's socket is live."""
    await page.goto(f"{server.url}/login")
    await page.locator("#email").fill(email)
    await page.locator("#password").fill(password)
    await page.locator("form[action='/login'] button[type=submit]").click()
    await page.wait_for_url(f"{server.url}/")
    await expect(page.locator("body")).to_have_attribute("data-live", "1")
