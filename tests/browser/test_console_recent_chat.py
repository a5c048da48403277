"""Issue 21 in Chromium: the agent sees the chat in the incoming call's pop and links it.

A visitor writes their number in a chat sentence and leaves; the number calls and does
not press 1. The agent's console opens the caller's thread with the chat as a suggested
match (its reason and last message), and one click links the two (an audited merge);
the number is highlighted in the chat message as a detail read from it.
"""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from tests.browser.conftest import sign_in_console
from tests.conftest import LiveServer
from tests.connectors.webchat.conftest import Visitor

CALLER = "+14155564601"
STORY = "my lamp from order W-77123 arrived cracked, call me on (415) 556-4601 if easier"


async def voice(server: LiveServer, path: str, **extra: str) -> httpx.Response:
    settings = server.settings
    params = {
        "CallSid": "CAbrowser1",
        "AccountSid": settings.twilio_account_sid or "",
        "From": CALLER,
        "To": settings.twilio_voice_number or "",
        "CallStatus": "ringing",
        "Direction": "inbound",
        **extra,
    }
    url = settings.public_url.rstrip("/") + path
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        answer = await http.post(
            path, data=params, headers={SIGNATURE_HEADER: sign(settings, url, params)}
        )
    assert answer.status_code == 200, answer.text
    return answer


async def test_the_agent_sees_the_chat_in_the_call_pop_and_links_it(
    console_server: LiveServer, page: Page
) -> None:
    tab = Visitor(console_server.url, {"name": "Jenny Curran"})
    try:
        await tab.connect()
        assert (await tab.send(STORY))["ok"]
    finally:
        await tab.close()
    await sign_in_console(page, console_server)

    asked = await voice(console_server, "/twilio/voice")
    assert "Press 1 if that was you" in asked.text
    await voice(console_server, "/twilio/voice/confirm", Digits="")
    await voice(console_server, "/twilio/voice/gather?attempt=1")

    # The pop opens the caller's thread (a customer of its own: nobody pressed 1).
    await page.wait_for_url(f"{console_server.url}/customers/*")
    suggestion = page.locator("[data-suggestions] [data-suggestion]")
    await expect(suggestion).to_have_count(1)
    await expect(suggestion).to_contain_text("Jenny Curran")
    await expect(suggestion.locator("[data-suggestion-reason]")).to_contain_text(
        f"They wrote {CALLER} in webchat"
    )
    await expect(suggestion).to_contain_text("arrived cracked")
    await expect(suggestion).to_contain_text("W-77123")

    await suggestion.locator("button[data-merge]").click()
    message = page.locator('[data-timeline] .event[data-type="message"]').first
    await expect(message).to_contain_text("arrived cracked")
    await expect(message.locator("mark.mention")).to_have_text("(415) 556-4601")
