"""The out-of-hours auto-reply: once per customer per closed period, on the given channel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from hub.actions.hours import auto_reply_if_closed, get_schedule, set_business_hours
from hub.actions.inbound import receive_inbound
from hub.core import Hub
from hub.errors import Invalid
from hub.models import Event, OutboxJob, Thread
from hub.types import Inbound

WEEKDAYS = [{"day": d, "open": "09:00", "close": "17:00"} for d in range(5)]
WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
THURSDAY_DAWN = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
THURSDAY_EVENING = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


async def test_auto_reply_once_per_closed_period(hub: Hub) -> None:
    async with hub.uow() as uow:
        await set_business_hours(
            uow, timezone="UTC", intervals=WEEKDAYS, auto_reply="Closed, back {opening}."
        )
        received = await receive_inbound(
            uow, Inbound(channel="sms", kind="phone", address="+15551230000", body="hi")
        )
    customer_id = received.customer.id
    sent = []
    for at in (WEDNESDAY_NOON, WEDNESDAY_EVENING, THURSDAY_DAWN, THURSDAY_EVENING):
        async with hub.uow() as uow:
            sent.append(await auto_reply_if_closed(uow, customer_id, "sms", at=at))
    assert sent[0] is None  # open
    assert sent[1] is not None and sent[2] is None  # same night: once
    assert sent[3] is not None  # the next night: again
    assert sent[1].body == "Closed, back Thu 26 Nov 09:00 UTC."
    assert sent[1].data["via"] == "auto" and sent[1].channel == "sms"
    async with hub.read() as session:
        thread = (await session.execute(select(Thread))).scalar_one()
        outbound = (await session.execute(select(Event).where(Event.direction == "out"))).all()
        jobs = (await session.execute(select(OutboxJob))).all()
        schedule = await get_schedule(session)
    # The customer is still waiting for a human.
    assert thread.waiting_since is not None and thread.unread_count == 1
    assert thread.first_response_at is None
    assert len(outbound) == 2 and len(jobs) == 2
    assert schedule is not None and schedule.timezone == "UTC"


async def test_no_schedule_means_no_auto_reply_and_bad_schedule_refused(hub: Hub) -> None:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow, Inbound(channel="sms", kind="phone", address="+15551230001", body="hi")
        )
        assert await auto_reply_if_closed(uow, received.customer.id, "sms") is None
        with pytest.raises(Invalid):
            await set_business_hours(uow, timezone="Nowhere/Land", intervals=WEEKDAYS)
