"""Calls outside business hours go straight to voicemail with a closed-hours greeting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.actions.routing import business_hours_status
from hub.core import Hub
from hub.db import utcnow
from tests.connectors.phone.conftest import PhoneLab, Twilio, make_agent, twiml, verbs
from tests.connectors.phone.test_twiml import CALLER, call_event, known_customer
from tests.hub.policies.hours_support import closed_day, closed_now, open_all_week

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def assert_closed_voicemail(root: object) -> None:
    assert verbs(root) == ["Say", "Record", "Hangup"]  # type: ignore[arg-type]
    say = root.find("Say").text or ""  # type: ignore[attr-defined]
    assert "We are closed right now" in say
    assert f"We open again on {DAYS[closed_day()]} at 09:00" in say
    record = root.find("Record")  # type: ignore[attr-defined]
    assert record.get("transcribe") == "true"
    assert record.get("transcribeCallback", "").endswith("/twilio/voice/transcription")


async def test_the_hook_reads_the_schedule(hub: Hub) -> None:
    await closed_now(hub)
    async with hub.uow() as uow:
        hours = await business_hours_status(uow)
    assert hours.status == "closed" and hours.opens_at is not None
    assert hours.opens_at.weekday() == closed_day()
    assert (hours.opens_at.hour, hours.opens_at.minute) == (9, 0)
    assert timedelta(days=1) < hours.opens_at - utcnow() < timedelta(days=4)
    await open_all_week(hub)
    async with hub.uow() as uow:
        assert (await business_hours_status(uow)).status == "open"
        at = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
        assert (await business_hours_status(uow, at)).status == "open"


async def test_after_hours_a_known_caller_gets_voicemail_even_with_agents_online(
    lab: PhoneLab,
) -> None:
    agent = await make_agent(lab.hub, "Mulder")
    customer_id = await known_customer(lab.hub)
    console = await lab.online(agent)
    await closed_now(lab.hub)

    root = twiml(await lab.twilio.call("CA-closed", CALLER))

    assert_closed_voicemail(root)
    assert "Dana" in (root.find("Say").text or "")  # type: ignore[union-attr]
    event = await call_event(lab.hub, "CA-closed")
    assert event.customer_id == customer_id and event.agent_id is None
    assert event.data["voicemail"] is True
    assert event.data["route"]["mode"] == "voicemail" and event.data["route"]["closed"] is True
    # A replay of the webhook answers the same voicemail and records nothing new.
    again = twiml(await lab.twilio.call("CA-closed", CALLER))
    assert_closed_voicemail(again)
    assert console.pending("call.incoming") == 0


async def test_after_hours_an_unknown_caller_is_not_asked_for_a_code(
    twilio: Twilio, hub: Hub
) -> None:
    await closed_now(hub)
    root = twiml(await twilio.call("CA-new", "+15557770199"))
    assert_closed_voicemail(root)
    assert "Thanks for calling." in (root.find("Say").text or "")  # type: ignore[union-attr]


async def test_open_hours_route_as_before(twilio: Twilio, hub: Hub) -> None:
    await open_all_week(hub)
    root = twiml(await twilio.call("CA-open", "+15557770198"))
    assert verbs(root) == ["Gather"]  # unknown caller: asked for a handoff code
