"""Replies delivered through the outbox to the loopback Twilio simulator on a real port.

The hub and the simulator both run under uvicorn on 127.0.0.1; the hub's ``twilio``
client talks to the simulator over HTTP and the simulator posts signed status
callbacks back to the hub, as Twilio would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.actions.inbound import receive_inbound
from hub.actions.replies import send_reply
from hub.core import Hub
from hub.db import utcnow
from hub.models import Event, Identity, OutboxJob
from hub.models.outbox import DONE, IN_FLIGHT
from hub.settings import Settings
from hub.types import Inbound
from simulators.twilio import RunningSimulator, serve_simulator
from simulators.twilio.messages import MessagesResource
from tests.conftest import TWILIO_TEST_SID, TWILIO_TEST_TOKEN, LiveServer, live_server

CUSTOMER = "+15551230000"


async def eventually(check: Callable[[], object], within: float = 8.0) -> None:
    """Poll ``check`` (sync or async) until truthy; fail after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"condition not met within {within}s")
        await asyncio.sleep(0.03)


@pytest.fixture
async def twilio() -> AsyncIterator[RunningSimulator]:
    async with serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN, callback_delay=0.01) as sim:
        yield sim


def sent(sim: RunningSimulator) -> MessagesResource:
    return sim.simulator.resource(MessagesResource)


def hub_settings(settings: Settings, sim: RunningSimulator) -> Settings:
    return settings.with_(twilio_api_base=sim.url, outbox_enabled=True)


async def reply_to_customer(hub: Hub, body: str = "Your parcel ships today 📦") -> int:
    """A customer texted in; an agent replies (committed as pending, queued)."""
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(channel="sms", kind="phone", address=CUSTOMER, body="hi", provider_id="SMin1"),
        )
        event = await send_reply(uow, received.customer.id, body, channel="sms")
    return event.id


async def load(hub: Hub, event_id: int) -> Event:
    async with hub.read() as session:
        event = await session.get(Event, event_id)
    assert event is not None
    return event


async def job_for(hub: Hub, event_id: int) -> OutboxJob:
    async with hub.read() as session:
        job = (
            await session.execute(select(OutboxJob).where(OutboxJob.event_id == event_id))
        ).scalar_one()
    return job


async def status_is(hub: Hub, event_id: int, *statuses: str) -> bool:
    return (await load(hub, event_id)).status in statuses


async def test_reply_is_sent_and_signed_callbacks_mark_it_delivered(
    settings: Settings, twilio: RunningSimulator
) -> None:
    async with live_server(hub_settings(settings, twilio)) as live:
        event_id = await reply_to_customer(live.hub, "Your parcel ships today 📦")
        await eventually(lambda: status_is(live.hub, event_id, "delivered"))
        [message] = sent(twilio).sent
        assert (message.to, message.from_, message.body) == (
            CUSTOMER,
            settings.twilio_sms_number,
            "Your parcel ships today 📦",
        )
        assert message.status_callback == f"{live.url}/twilio/sms/status?m={event_id}"
        event = await load(live.hub, event_id)
        assert event.provider_id == message.sid
        # Both callbacks (sent, delivered) were signed as Twilio signs and accepted.
        assert [(p["MessageStatus"], code) for _, p, code in twilio.simulator.callbacks] == [
            ("sent", 204),
            ("delivered", 204),
        ]
        assert (await job_for(live.hub, event_id)).state == DONE


async def test_5xx_is_retried_and_exactly_one_sms_is_sent(
    settings: Settings, twilio: RunningSimulator
) -> None:
    twilio.simulator.fail_next(1, status=503)
    async with live_server(hub_settings(settings, twilio)) as live:
        event_id = await reply_to_customer(live.hub)
        await eventually(lambda: status_is(live.hub, event_id, "delivered"))
        assert len(sent(twilio).sent) == 1
        job = await job_for(live.hub, event_id)
        assert (job.state, job.attempts) == (DONE, 2)


async def test_accepted_but_answer_lost_is_not_sent_twice(
    settings: Settings, twilio: RunningSimulator
) -> None:
    twilio.simulator.accept_and_fail_next(status=502)
    async with live_server(hub_settings(settings, twilio)) as live:
        event_id = await reply_to_customer(live.hub)
        await eventually(lambda: status_is(live.hub, event_id, "delivered"))
        await eventually(lambda: job_done(live, event_id))
        [message] = sent(twilio).sent
        assert (await load(live.hub, event_id)).provider_id == message.sid


async def job_done(live: LiveServer, event_id: int) -> bool:
    return (await job_for(live.hub, event_id)).state == DONE


async def test_4xx_marks_the_reply_failed_with_twilios_code(
    settings: Settings, twilio: RunningSimulator
) -> None:
    twilio.simulator.reject_next(21211, "The 'To' number +15551230000 is not a valid phone number.")
    async with live_server(hub_settings(settings, twilio)) as live:
        event_id = await reply_to_customer(live.hub)
        await eventually(lambda: status_is(live.hub, event_id, "failed"))
        event = await load(live.hub, event_id)
        assert event.error_code == "21211"
        assert "not a valid phone number" in (event.error_message or "")
        assert sent(twilio).sent == []
        job = await job_for(live.hub, event_id)
        assert (job.state, job.attempts) == ("failed", 1)


async def test_twilio_unsubscribed_error_opts_the_number_out(
    settings: Settings, twilio: RunningSimulator
) -> None:
    twilio.simulator.reject_next(21610, "Attempt to send to unsubscribed recipient")
    async with live_server(hub_settings(settings, twilio)) as live:
        event_id = await reply_to_customer(live.hub)
        await eventually(lambda: status_is(live.hub, event_id, "failed"))
        async with live.hub.read() as session:
            identity = (await session.execute(select(Identity))).scalar_one()
        assert identity.sms_opted_out


async def test_restart_before_delivery_sends_the_pending_reply_once(
    settings: Settings, twilio: RunningSimulator
) -> None:
    configured = hub_settings(settings, twilio)
    async with live_server(configured, run_outbox=False) as first:
        event_id = await reply_to_customer(first.hub)
    assert sent(twilio).sent == []

    async with live_server(configured) as second:
        await eventually(lambda: status_is(second.hub, event_id, "delivered"))
        assert len(sent(twilio).sent) == 1
        assert (await job_for(second.hub, event_id)).state == DONE


async def test_crash_after_twilio_accepted_sends_once_after_restart(
    settings: Settings,
) -> None:
    # Slow callbacks: they come after the first process is gone, so its outcome is lost.
    async with serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN, callback_delay=0.5) as twilio:
        configured = hub_settings(settings, twilio)
        twilio.simulator.accept_and_hang_next()
        async with live_server(configured) as first:
            event_id = await reply_to_customer(first.hub)
            await eventually(lambda: len(sent(twilio).sent) == 1)
            # The process dies while Twilio holds the message and before any answer.
        hub = Hub(configured)
        try:
            event = await load(hub, event_id)
            job = await job_for(hub, event_id)
            assert (event.status, event.provider_id) == ("pending", None)
            assert (job.state, job.attempts) == (IN_FLIGHT, 1)
            # Time passes: the dead process's lease on the job runs out.
            async with hub.uow() as uow:
                stale = await uow.session.get(OutboxJob, job.id)
                assert stale is not None
                stale.locked_until = utcnow() - timedelta(seconds=1)
        finally:
            await hub.dispose()

        async with live_server(configured) as second:
            await eventually(lambda: job_done(second, event_id))
            [message] = sent(twilio).sent
            event = await load(second.hub, event_id)
            assert event.provider_id == message.sid
            assert event.status in ("queued", "sent", "delivered")
            assert (await job_for(second.hub, event_id)).attempts == 2
