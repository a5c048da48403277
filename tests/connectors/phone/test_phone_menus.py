"""Phone menus configured in the console, as callers hear them: the TwiML of
``POST /twilio/voice`` (parsed) follows the menu of the dialled number (``To``), in and
out of its business hours at fixed instants; numbers without a menu answer as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.actions import ivr_menus
from hub.actions.hours import set_business_hours
from hub.actions.ivr_menus import MenuInput, save_ivr_menu
from hub.core import Hub
from hub.models import Store
from hub.models.hours import store_team
from tests.connectors.phone.conftest import Twilio, twiml, verbs
from tests.connectors.phone.test_ivr import order_for
from tests.connectors.phone.test_twiml import CALLER, call_event, known_customer

STORE_LINE = "+15553002000"
OTHER_LINE = "+15553009999"
NEW_CALLER = "+15557770142"
# Wednesday 25 November 2026 at 10:00 and at 18:00 in New York (the store opens 9-17).
OPEN_INSTANT = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
CLOSED_INSTANT = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
VOICEMAIL_GREETING = "Downtown is closed. We open again {opening}. Leave a message after the tone."


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Fix the instant the phone menus' business hours are read at."""

    def set_clock(at: datetime) -> None:
        monkeypatch.setattr(ivr_menus, "utcnow", lambda: at)

    return set_clock


async def store_menu(hub: Hub, **changes: Any) -> None:
    """The Downtown store (New York, open Monday to Friday 9-17) and its line's menu."""
    async with hub.uow() as uow:
        uow.session.add(Store(code="DT", name="Downtown", timezone="America/New_York"))
        await uow.session.flush()
        await set_business_hours(
            uow,
            timezone="America/New_York",
            intervals=[{"day": d, "open": "09:00", "close": "17:00"} for d in range(5)],
            team=store_team("DT"),
        )
        fields: dict[str, Any] = {
            "number": STORE_LINE,
            "name": "Downtown",
            "greeting": "Thanks for calling Downtown.",
            "hours": store_team("DT"),
            "voicemail_greeting": VOICEMAIL_GREETING,
        }
        await save_ivr_menu(uow, MenuInput(**(fields | changes)), actor="test")


def say(root: Any, path: str = "Say") -> str:
    return root.findtext(path) or ""


async def test_in_hours_the_menu_greets_and_other_numbers_answer_as_before(
    twilio: Twilio, hub: Hub, clock: Callable[[datetime], None]
) -> None:
    await store_menu(hub)
    clock(OPEN_INSTANT)

    root = twiml(await twilio.call("CA1", NEW_CALLER, To=STORE_LINE))
    assert verbs(root) == ["Gather"]  # unknown caller: the handoff-code prompt
    assert say(root, "Gather/Say").startswith("Thanks for calling Downtown. If you were given")
    assert "order" not in say(root, "Gather/Say").replace("order number", "")

    other = twiml(await twilio.call("CA2", NEW_CALLER, To=OTHER_LINE))
    assert say(other, "Gather/Say").startswith("Thanks for calling. If you were given")


async def test_out_of_hours_the_menu_takes_a_voicemail_after_its_greeting(
    twilio: Twilio, hub: Hub, clock: Callable[[datetime], None]
) -> None:
    await store_menu(hub)
    clock(CLOSED_INSTANT)

    root = twiml(await twilio.call("CA1", NEW_CALLER, To=STORE_LINE))

    assert verbs(root) == ["Say", "Record", "Hangup"]
    assert say(root) == (
        "Thanks for calling Downtown. Downtown is closed. We open again Thursday at 09:00. "
        "Leave a message after the tone."
    )
    record = root.find("Record")
    assert record is not None and record.get("transcribe") == "true"
    event = await call_event(hub, "CA1")
    assert event.data["route"]["closed"] is True and event.data["voicemail"] is True
    assert event.data["route"]["opens_at"].startswith("2026-11-26T09:00:00-05:00")
    # The main line has no menu and the default team no hours: open, as before.
    other = twiml(await twilio.call("CA2", "+15557770143", To=OTHER_LINE))
    assert verbs(other) == ["Gather"]


async def test_out_of_hours_a_menu_may_book_a_callback_instead(
    twilio: Twilio, hub: Hub, clock: Callable[[datetime], None]
) -> None:
    await store_menu(hub, closed_action="callback")
    customer_id = await known_customer(hub)
    clock(CLOSED_INSTANT)

    root = twiml(await twilio.call("CA1", CALLER, To=STORE_LINE))

    assert verbs(root) == ["Say", "Hangup"]
    assert say(root) == (
        "Hello Dana. Thanks for calling Downtown. We are closed right now. We open again on "
        "Thursday at 09:00. We will call you back on this number when we open. Goodbye."
    )
    event = await call_event(hub, "CA1")
    assert event.customer_id == customer_id and not event.data.get("voicemail")
    assert event.data["route"]["callback"] is True
    assert event.data["callback"]["status"] == "pending"
    assert event.data["steps"][-1]["text"] == "Asked to be called back (closed)"
    again = twiml(await twilio.call("CA1", CALLER, To=STORE_LINE))  # a replay: the same
    assert say(again) == say(root)


async def test_the_every_number_menu_and_a_number_own_menu(
    twilio: Twilio, hub: Hub, clock: Callable[[datetime], None]
) -> None:
    await store_menu(hub)
    async with hub.uow() as uow:
        await save_ivr_menu(
            uow, MenuInput(number="*", name="Main", greeting="Welcome to Acme."), actor="test"
        )
    clock(CLOSED_INSTANT)
    other = twiml(await twilio.call("CA1", NEW_CALLER, To=OTHER_LINE))
    assert say(other, "Gather/Say").startswith("Welcome to Acme. If you were given")
    store = twiml(await twilio.call("CA2", "+15557770143", To=STORE_LINE))
    assert say(store).startswith("Thanks for calling Downtown. Downtown is closed.")


async def test_the_order_status_options_follow_the_menu(
    twilio: Twilio, hub: Hub, clock: Callable[[datetime], None]
) -> None:
    await store_menu(hub, talk_to_someone=False)
    customer_id = await known_customer(hub)
    await order_for(hub, customer_id, "W-10421", "shipped")
    clock(OPEN_INSTANT)

    root = twiml(await twilio.call("CA1", CALLER, To=STORE_LINE))
    assert verbs(root) == ["Gather", "Say", "Hangup"]
    assert say(root, "Gather/Say") == (
        "Hello Dana. Thanks for calling Downtown. Your order W-10421 is on its way. "
        "Press 2 to be called back."
    )
    choice = {"CallSid": "CA1", "From": CALLER, "To": STORE_LINE}
    zero = twiml(await twilio.post("/twilio/voice/ivr-choice", {**choice, "Digits": "0"}))
    assert verbs(zero) == ["Hangup"]  # not offered: nobody is rung
    two = twiml(await twilio.post("/twilio/voice/ivr-choice", {**choice, "Digits": "2"}))
    assert verbs(two) == ["Say", "Hangup"] and "call you back" in say(two)
    event = await call_event(hub, "CA1")
    assert event.data["callback"]["status"] == "pending" and "route" not in event.data


async def test_a_menu_without_order_status_or_options(
    twilio: Twilio, hub: Hub, clock: Callable[[datetime], None]
) -> None:
    await store_menu(hub, talk_to_someone=False, callback=False)
    customer_id = await known_customer(hub)
    await order_for(hub, customer_id, "W-10421", "shipped")
    clock(OPEN_INSTANT)
    root = twiml(await twilio.call("CA1", CALLER, To=STORE_LINE))
    assert verbs(root) == ["Say", "Say", "Hangup"]  # the status, then goodbye: no keys
    assert "W-10421 is on its way." in say(root)

    async with hub.uow() as uow:
        await save_ivr_menu(
            uow,
            MenuInput(number=OTHER_LINE, name="No status", order_status=False),
            actor="test",
        )
    other = (await twilio.call("CA2", CALLER, To=OTHER_LINE)).text
    assert "W-10421" not in other and "ivr-choice" not in other  # routed as usual


async def test_the_queue_offers_the_callback_only_when_the_menu_does(twilio: Twilio) -> None:
    offered = twiml(await twilio.post("/twilio/voice/wait", {"CallSid": "CA1", "QueueTime": "5"}))
    assert verbs(offered) == ["Gather"]
    quiet = twiml(
        await twilio.post("/twilio/voice/wait?offer=0", {"CallSid": "CA1", "QueueTime": "5"})
    )
    assert verbs(quiet) == ["Say", "Play"] and "Press" not in say(quiet)
