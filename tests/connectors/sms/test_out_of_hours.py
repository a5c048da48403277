"""Out-of-hours auto-reply on SMS: once per closed period, never on a replay or a keyword."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from hub.core import Hub
from hub.models import Event, OutboxJob
from hub.settings import Settings
from tests.connectors.sms.support import payload, post_signed
from tests.hub.policies.hours_support import closed_now, open_all_week

CUSTOMER = "+15551230000"


async def text(
    client: httpx.AsyncClient, settings: Settings, sid: str, body: str, **extra: str
) -> None:
    params = payload("sms_incoming", settings, MessageSid=sid, SmsSid=sid, Body=body, **extra)
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200
    assert "<Message" not in response.text  # the reply goes through the outbox, not TwiML


async def outbound(hub: Hub) -> list[Event]:
    async with hub.read() as session:
        result = await session.execute(
            select(Event).where(Event.direction == "out").order_by(Event.id)
        )
        return list(result.scalars())


async def test_closed_sends_one_auto_reply_per_period(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    await closed_now(hub)
    await text(client, settings, "SMclosed1", "Is my order shipped?")
    [reply] = await outbound(hub)
    assert reply.channel == "sms" and reply.status == "pending"
    assert reply.data["via"] == "auto"
    assert (reply.body or "").startswith("We're closed, back ")
    async with hub.read() as session:
        job = (await session.execute(select(OutboxJob))).scalar_one()
        thread_waiting = (
            await session.execute(select(Event).where(Event.provider_id == "SMclosed1"))
        ).scalar_one()
    assert job.event_id == reply.id  # delivered by the outbox like any reply
    assert thread_waiting.direction == "in"

    await text(client, settings, "SMclosed1", "Is my order shipped?")  # Twilio retry
    await text(client, settings, "SMclosed2", "Hello??")  # same closed period
    await text(client, settings, "SMclosed3", "STOP")  # a keyword is never answered
    assert len(await outbound(hub)) == 1


async def test_own_number_and_open_hours_get_no_auto_reply(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    await closed_now(hub)
    await text(client, settings, "SMown", "echo", From=settings.twilio_sms_number or "")
    assert await outbound(hub) == []
    await open_all_week(hub)
    await text(client, settings, "SMopen", "Hi")
    assert await outbound(hub) == []


async def test_no_schedule_means_always_open(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    await text(client, settings, "SMnone", "Hi")
    assert await outbound(app.state.hub) == []
