"""The console's browser softphone in Chromium, with the Twilio Voice SDK's ``Device``
replaced by a test double at its public interface (``fake_twilio_device.js``): it
registers with the hub's token, rings with the screen pop, answers from the keyboard,
mutes, hangs up, declines, follows presence and places click-to-call in the browser."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.actions.inbound import receive_inbound
from hub.actions.orders import OrderInput, upsert_order
from hub.actions.staff import create_agent
from hub.core import Hub
from hub.models import Store
from hub.types import Inbound
from simulators.twilio import RunningSimulator, serve_simulator
from simulators.twilio.conferences import ConferencesResource
from simulators.twilio.voice import CallsResource, SimulatedCall
from tests.browser.conftest import AGENT_EMAIL, AGENT_PASSWORD, sign_in_console
from tests.conftest import (
    TWILIO_TEST_SID,
    TWILIO_TEST_TOKEN,
    LiveServer,
    live_server,
    make_settings,
)
from tests.connectors.phone.conftest import queued_call

FAKE_DEVICE = Path(__file__).with_name("fake_twilio_device.js")
CALLER = "+15557770101"
VOICE_SETTINGS: dict[str, Any] = {
    "twilio_api_key_sid": "SK" + "0" * 32,
    "twilio_api_key_secret": "test-api-key-secret-of-32-bytes-or-more",
    "twilio_twiml_app_sid": "AP" + "0" * 32,
}


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    """The loopback Twilio; answered calls stay up until hung up."""
    async with serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN, callback_delay=0.01) as running:
        running.simulator.resource(CallsResource).stay_open = True
        yield running


@pytest.fixture
async def phone_server(
    sqlite_url: str, tmp_path: Path, sim: RunningSimulator
) -> AsyncIterator[LiveServer]:
    settings = make_settings(
        sqlite_url,
        tmp_path,
        twilio_api_base=sim.url,
        environ={"HUB_PHONE_STORE_NUMBERS": "DT=+15553001000"},
        **VOICE_SETTINGS,
    )
    async with live_server(settings, run_outbox=False) as live:
        async with live.hub.uow() as uow:
            await create_agent(uow, AGENT_EMAIL, "Sam", AGENT_PASSWORD)
            await create_agent(uow, "skinner@shop.example", "Skinner", AGENT_PASSWORD)
            uow.session.add(Store(code="DT", name="Downtown"))
        yield live


async def known_customer_with_order(hub: Hub) -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="sms",
                kind="phone",
                address=CALLER,
                body="Where is my parcel?",
                provider_id="SM1",
                name="Dana Scully",
            ),
        )
        await upsert_order(
            uow,
            OrderInput(
                external_id="W-10421",
                customer_id=received.customer.id,
                number="W-10421",
                status="ready_for_pickup",
                pickup_location="Downtown",
            ),
        )
    return received.customer.id


async def incoming_call(server: LiveServer, call_sid: str) -> httpx.Response:
    """What Twilio posts to ``/twilio/voice`` when ``CALLER`` rings the hub, signed.
    The caller (verified, with an open order) first hears its status and presses 0;
    the hub then answers with the call's conference room and rings the agent in (REST)."""
    params = {
        "CallSid": call_sid,
        "AccountSid": server.settings.twilio_account_sid or "",
        "From": CALLER,
        "To": server.settings.twilio_voice_number or "",
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    answer = await signed_post(server, "/twilio/voice", params)
    assert "ready for pickup at Downtown" in answer.text
    return await signed_post(server, "/twilio/voice/ivr-choice", {**params, "Digits": "0"})


async def signed_post(server: LiveServer, path: str, params: dict[str, str]) -> httpx.Response:
    """A webhook as Twilio posts it to the hub, signed."""
    url = f"{server.url}{path}"
    async with httpx.AsyncClient() as http:
        return await http.post(
            url, data=params, headers={SIGNATURE_HEADER: sign(server.settings, url, params)}
        )


async def softphone_and_caller(
    page: Page, server: LiveServer, sim: RunningSimulator
) -> tuple[Locator, int, SimulatedCall]:
    """Sam's console with the softphone ready; CALLER (Dana, with an open order) rings
    the loopback Twilio. Returns the softphone, Dana's customer id and her call."""
    customer_id = await known_customer_with_order(server.hub)
    await page.add_init_script(path=str(FAKE_DEVICE))
    await sign_in_console(page, server)
    phone = page.locator("[data-softphone]")
    await expect(phone).to_have_attribute("data-state", "ready")
    number = server.settings.twilio_voice_number or ""
    return phone, customer_id, sim.simulator.resource(CallsResource).incoming(CALLER, number)


async def fake_log(page: Page) -> list[str]:
    return list(await page.evaluate("() => window.fakeTwilio.log"))


async def test_softphone_rings_with_the_screen_pop_answers_mutes_and_hangs_up(
    phone_server: LiveServer, page: Page
) -> None:
    customer_id = await known_customer_with_order(phone_server.hub)
    await page.add_init_script(path=str(FAKE_DEVICE))
    await sign_in_console(page, phone_server)

    phone = page.locator("[data-softphone]")
    status = phone.locator("[data-phone-status]")
    await expect(status).to_have_text("Phone ready")
    assert await page.evaluate("() => window.fakeTwilio.device().token.split('.').length") == 3
    assert "register" in await fake_log(page)

    # Twilio's webhook routes the call to this agent (the pop arrives on the socket),
    # then the SDK rings with the parameters of the hub's <Dial><Client>.
    answer = await incoming_call(phone_server, "CA1")
    assert "<Conference" in answer.text and "call-CA1" in answer.text
    await page.evaluate(
        "([id]) => window.fakeTwilio.ring('client:caller', {customer_id: String(id), "
        "call_sid: 'CA1'})",
        [customer_id],
    )
    await expect(phone).to_have_attribute("data-state", "ringing")
    await expect(status).to_have_text("Incoming call from Dana Scully")
    pop = phone.locator("[data-phone-pop]")
    await expect(pop.locator("[data-pop-number]")).to_have_text(CALLER)
    await expect(pop.locator("[data-pop-recognition]")).to_have_text("Verified number")
    await expect(pop.locator("[data-pop-messages]")).to_contain_text("Where is my parcel?")
    await expect(pop.locator("[data-pop-orders]")).to_contain_text(
        "W-10421 · ready_for_pickup · Downtown"
    )
    await expect(pop.locator("[data-pop-link]")).to_have_attribute(
        "href", f"/customers/{customer_id}"
    )
    assert page.url == f"{phone_server.url}/"  # no navigation: it would drop the call

    # Answer from the keyboard: the Answer button has the focus while it rings.
    await expect(phone.locator("[data-phone-answer]")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(phone).to_have_attribute("data-state", "open")
    await expect(status).to_contain_text("On call")
    mute = phone.locator("[data-phone-mute]")
    await expect(mute).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(mute).to_have_attribute("aria-pressed", "true")
    await expect(mute).to_have_text("Unmute")
    await mute.click()
    await expect(mute).to_have_attribute("aria-pressed", "false")
    await phone.locator("[data-phone-hangup]").click()
    await expect(phone).to_have_attribute("data-state", "ready")
    assert (await fake_log(page))[-4:] == ["accept", "mute", "unmute", "disconnect"]

    # A second call is declined; one the caller abandons while ringing is missed.
    await page.evaluate("() => window.fakeTwilio.ring('client:caller', {})")
    await expect(status).to_have_text("Incoming call from Unknown caller")
    await phone.locator("[data-phone-decline]").click()
    await expect(status).to_have_text("Declined")
    # A new queue count (the queue's refresh) leaves the last call's outcome on the
    # status line: it only shows or hides "Take next caller".
    shown = await page.evaluate(
        "async () => { document.querySelector('[data-phone-queue]').dataset.waiting = '7';"
        " await Promise.resolve();"
        " return document.querySelector('[data-phone-status]').textContent; }"
    )
    assert shown == "Declined"
    await page.evaluate("() => window.fakeTwilio.ring('client:caller', {}).callerCancels()")
    await expect(status).to_have_text("Missed: the caller hung up")
    assert (await fake_log(page))[-1] == "reject"

    # The card fits a 1280×800 window.
    box = await phone.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280 and box["y"] >= 0


async def test_away_unregisters_the_softphone_and_stops_routing(
    phone_server: LiveServer, page: Page
) -> None:
    await page.add_init_script(path=str(FAKE_DEVICE))
    await sign_in_console(page, phone_server)
    phone = page.locator("[data-softphone]")
    await expect(phone).to_have_attribute("data-state", "ready")
    assert phone_server.hub.presence()

    await page.locator("[data-presence]").select_option("away")
    await expect(phone).to_have_attribute("data-state", "off")
    await expect(phone.locator("[data-phone-status]")).to_contain_text("Phone off")
    assert (await fake_log(page))[-1] == "unregister"
    for _ in range(100):  # the socket's presence event reaches the server
        if not phone_server.hub.presence():
            break
        await asyncio.sleep(0.02)
    assert not phone_server.hub.presence()  # away: no call is routed to this agent

    await page.locator("[data-presence]").select_option("online")
    await expect(phone).to_have_attribute("data-state", "ready")
    assert (await fake_log(page))[-1] == "register"


async def test_click_to_call_goes_through_the_browser_phone(
    phone_server: LiveServer, sim: RunningSimulator, page: Page
) -> None:
    customer_id = await known_customer_with_order(phone_server.hub)
    await page.add_init_script(path=str(FAKE_DEVICE))
    await sign_in_console(page, phone_server)
    await page.goto(f"{phone_server.url}/customers/{customer_id}")
    phone = page.locator("[data-softphone]")
    await expect(phone).to_have_attribute("data-state", "ready")

    await page.locator("[data-call-customer]").click()
    await expect(phone).to_have_attribute("data-state", "open")
    connect = [line for line in await fake_log(page) if line.startswith("connect:")]
    assert [json.loads(line.removeprefix("connect:")) for line in connect] == [
        {"To": "customer", "customer_id": str(customer_id)}
    ]
    await expect(page.locator("[data-call-state]")).to_be_hidden()  # no REST call placed

    # What Twilio does with the browser's call (the double's CallSid is CAfake0): the
    # TwiML App request; the hub answers with the call's room and rings the customer in.
    calls = sim.simulator.resource(CallsResource)
    conferences = sim.simulator.resource(ConferencesResource)
    params = {"CallSid": "CAfake0", "From": "client:agent-1", "To": "customer"}
    answer = await signed_post(
        phone_server, "/twilio/voice/client", {**params, "customer_id": str(customer_id)}
    )
    conferences.execute("CAfake0", answer.text)
    room = conferences.room("call-CAfake0")
    assert room is not None
    for _ in range(250):
        customer = next((c for c in calls.calls if c.to == CALLER), None)
        if customer is not None and customer.sid in room.participants:
            break
        await asyncio.sleep(0.02)
    assert customer is not None

    # Hold acts on the customer in the room, named by this phone's own CallSid.
    hold = phone.locator("[data-phone-hold]")
    await expect(phone.locator("[data-phone-transfer]")).to_be_visible()
    await hold.click()
    await expect(hold).to_have_attribute("aria-pressed", "true")
    assert room.participants[customer.sid].hold
    await hold.click()
    await expect(hold).to_have_attribute("aria-pressed", "false")
    assert not room.participants[customer.sid].hold
    await phone.locator("[data-phone-hangup]").click()
    await expect(phone).to_have_attribute("data-state", "ready")

    await page.goto(f"{phone_server.url}/customers/{customer_id}")
    steps = page.locator("[data-call-steps] li")
    await expect(steps).to_have_text([re.compile(r"On hold \(Sam\)"), re.compile("Resumed")])


async def test_no_softphone_without_the_browser_phone_settings(
    console_server: LiveServer, page: Page
) -> None:
    await page.add_init_script(path=str(FAKE_DEVICE))
    await sign_in_console(page, console_server)
    await expect(page.locator("[data-phone-queue]")).to_be_visible()
    await expect(page.locator("[data-softphone]")).to_be_hidden()
    assert await page.evaluate("() => window.fakeTwilio.devices.length") == 0


async def test_hold_and_the_transfer_dialog_act_on_the_calls_conference(
    phone_server: LiveServer, sim: RunningSimulator, page: Page
) -> None:
    phone, customer_id, caller = await softphone_and_caller(page, phone_server, sim)
    calls = sim.simulator.resource(CallsResource)
    conferences = sim.simulator.resource(ConferencesResource)
    answer = await incoming_call(phone_server, caller.sid)
    conferences.execute(caller.sid, answer.text)  # Twilio puts the caller in the room
    for _ in range(250):  # the hub rang this agent's browser phone into the room
        if any(c.to.startswith("client:agent-") for c in calls.calls):
            break
        await asyncio.sleep(0.02)
    await page.evaluate(
        "([id, sid]) => window.fakeTwilio.ring('client:caller', "
        "{customer_id: String(id), call_sid: sid})",
        [customer_id, caller.sid],
    )
    await phone.locator("[data-phone-answer]").click()
    await expect(phone).to_have_attribute("data-state", "open")
    room = conferences.room(f"call-{caller.sid}")
    assert room is not None

    hold = phone.locator("[data-phone-hold]")
    await hold.click()
    await expect(hold).to_have_attribute("aria-pressed", "true")
    await expect(phone.locator("[data-phone-status]")).to_contain_text("caller on hold")
    assert room.participants[caller.sid].hold
    await hold.click()
    await expect(hold).to_have_attribute("aria-pressed", "false")
    assert not room.participants[caller.sid].hold

    # The transfer dialog, from the keyboard: pick Skinner, warm, submit.
    await phone.locator("[data-phone-transfer]").click()
    dialog = page.locator("[data-transfer-dialog]")
    await expect(dialog).to_be_visible()
    target = dialog.locator("#transfer-target")
    await expect(target).to_be_focused()
    await expect(target.locator("option")).to_have_text(["Skinner (offline)", "Store: Downtown"])
    await page.keyboard.press("Tab")  # to the first mode: warm (checked)
    await expect(dialog.locator("#transfer-warm")).to_be_focused()
    await expect(dialog.locator("#transfer-warm")).to_be_checked()
    await dialog.locator("[data-transfer-submit]").focus()
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    complete = phone.locator("[data-phone-complete]")
    await expect(complete).to_be_visible()
    await expect(complete).to_be_focused()
    await expect(phone.locator("[data-phone-status]")).to_contain_text("talking to Skinner")
    assert room.participants[caller.sid].hold
    assert calls.calls[-1].to.startswith("client:agent-2?")

    await complete.click()
    await expect(phone.locator("[data-phone-status]")).to_contain_text("transfer completed")
    assert not room.participants[caller.sid].hold
    assert len(room.removed) == 1  # this agent's leg left the room

    # Every step is on the thread's timeline.
    await page.goto(f"{phone_server.url}/customers/{customer_id}")
    steps = page.locator("[data-call-steps] li")
    await expect(steps).to_have_count(6)  # the IVR's two, then the agent's four
    await expect(steps.nth(0)).to_contain_text("Heard: Your order W-10421 is ready for pickup")
    await expect(steps.nth(1)).to_contain_text("Asked to talk to someone")
    await expect(steps.nth(4)).to_contain_text("Warm transfer to Skinner (Sam)")
    await expect(steps.nth(5)).to_contain_text("Transfer completed (Sam left)")


async def test_take_next_caller_puts_them_in_a_room_with_the_pop(
    phone_server: LiveServer, sim: RunningSimulator, page: Page
) -> None:
    phone, customer_id, caller = await softphone_and_caller(page, phone_server, sim)
    conferences = sim.simulator.resource(ConferencesResource)
    await queued_call(phone_server.hub, caller.sid, CALLER)  # (Twilio holds it in the queue)

    take = phone.locator("[data-phone-next]")
    await take.click()
    await expect(phone).to_have_attribute("data-state", "open")
    connect = [line for line in await fake_log(page) if line.startswith("connect:")]
    assert json.loads(connect[-1].removeprefix("connect:")) == {"To": "queue"}
    # Twilio asks the TwiML App what the browser's call does: the hub takes the caller
    # for Sam, moves them into their room; the browser's call joins it.
    answer = await signed_post(
        phone_server,
        "/twilio/voice/client",
        {"CallSid": "CAfake0", "From": "client:agent-1", "To": "queue"},
    )
    conferences.execute("CAfake0", answer.text)
    room = conferences.room(f"call-{caller.sid}")
    assert room is not None and set(room.participants) == {caller.sid, "CAfake0"}
    await expect(phone.locator("[data-pop-name]")).to_have_text("Dana Scully")

    hold = phone.locator("[data-phone-hold]")
    await hold.click()
    await expect(hold).to_have_attribute("aria-pressed", "true")
    assert room.participants[caller.sid].hold
    await phone.locator("[data-phone-hangup]").click()

    await page.goto(f"{phone_server.url}/customers/{customer_id}")
    steps = page.locator("[data-call-steps] li")
    await expect(steps).to_have_text(
        [re.compile(r"Taken from the queue \(Sam\)"), re.compile(r"On hold \(Sam\)")]
    )
