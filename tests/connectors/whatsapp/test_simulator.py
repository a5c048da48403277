"""WhatsApp end to end against the loopback Twilio: the hub and the simulator both
on 127.0.0.1; messages in as signed webhooks, replies out through the outbox, read
receipts back as signed status callbacks, templates from the Content API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.actions.inbound import receive_inbound
from hub.actions.replies import send_reply
from hub.cli import main
from hub.core import Hub
from hub.db import utcnow
from hub.errors import Unreachable
from hub.models import Event
from hub.settings import Settings
from hub.types import Inbound
from simulators.twilio import RunningSimulator, serve_simulator
from simulators.twilio.content import ContentResource
from simulators.twilio.messages import MessagesResource
from simulators.twilio.whatsapp import WhatsappResource, inbound_params
from tests.conftest import TWILIO_TEST_SID, TWILIO_TEST_TOKEN, LiveServer, live_server
from tests.connectors.whatsapp.conftest import WHATSAPP_NUMBER, whatsapp_settings

CUSTOMER = "+15551230000"


async def eventually(check: Callable[[], object], within: float = 10.0) -> None:
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


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return whatsapp_settings(db_url, tmp_path)


def messages(sim: RunningSimulator) -> MessagesResource:
    return sim.simulator.resource(MessagesResource)


def whatsapp(sim: RunningSimulator) -> WhatsappResource:
    return sim.simulator.resource(WhatsappResource)


async def customer_writes(sim: RunningSimulator, live: LiveServer, body: str) -> int:
    """The customer writes on WhatsApp through the simulator; returns their id."""
    params = inbound_params(TWILIO_TEST_SID, CUSTOMER, WHATSAPP_NUMBER, body)
    status = await whatsapp(sim).deliver_inbound(f"{live.url}/twilio/whatsapp", params)
    assert status == 200
    async with live.hub.read() as session:
        event = (
            await session.execute(select(Event).where(Event.provider_id == params["MessageSid"]))
        ).scalar_one()
    return event.customer_id


async def load(hub: Hub, event_id: int) -> Event:
    async with hub.read() as session:
        event = await session.get(Event, event_id)
    assert event is not None
    return event


async def status_is(hub: Hub, event_id: int, status: str) -> bool:
    return (await load(hub, event_id)).status == status


async def test_reply_goes_out_on_whatsapp_and_read_receipts_come_back(
    settings: Settings, twilio: RunningSimulator
) -> None:
    async with live_server(settings.with_(twilio_api_base=twilio.url)) as live:
        customer_id = await customer_writes(twilio, live, "Is my order ready?")
        async with live.hub.uow() as uow:
            event = await send_reply(uow, customer_id, "Yes, at Downtown!", channel="whatsapp")
        await eventually(lambda: status_is(live.hub, event.id, "read"))
        [message] = messages(twilio).sent
        assert (message.to, message.from_, message.body) == (
            f"whatsapp:{CUSTOMER}",
            f"whatsapp:{WHATSAPP_NUMBER}",
            "Yes, at Downtown!",
        )
        assert message.status_callback == f"{live.url}/twilio/whatsapp/status?m={event.id}"
        statuses = [
            (p["MessageStatus"], code)
            for url, p, code in twilio.simulator.callbacks
            if "/status" in url
        ]
        assert statuses == [("sent", 204), ("delivered", 204), ("read", 204)]
        assert (await load(live.hub, event.id)).provider_id == message.sid


async def test_outside_the_window_a_template_goes_out_with_its_content_sid(
    settings: Settings, twilio: RunningSimulator
) -> None:
    content = twilio.simulator.resource(ContentResource)
    template = content.add("pickup_reminder", "Hi {{1}}, order {{2}} waits for you at {{3}}.")
    async with live_server(settings.with_(twilio_api_base=twilio.url)) as live:
        customer_id = await customer_writes(twilio, live, "Thanks!")
        # 30 hours later, at the hub and at "Twilio".
        async with live.hub.uow() as uow:
            first = (await uow.session.execute(select(Event))).scalar_one()
            first.created_at = utcnow() - timedelta(hours=30)
        whatsapp(twilio).customer_wrote(CUSTOMER, datetime.now(UTC) - timedelta(hours=30))

        async with live.hub.uow() as uow:
            with pytest.raises(Unreachable) as refused:
                await send_reply(uow, customer_id, "Your order is waiting", channel="whatsapp")
        assert refused.value.code == "window_closed"

        values = {"1": "Ann", "2": "A-1001", "3": "Downtown"}
        async with live.hub.uow() as uow:
            event = await send_reply(
                uow,
                customer_id,
                "",
                channel="whatsapp",
                data={"template": {"sid": template.sid, "variables": values}},
            )
        assert event.body == "Hi Ann, order A-1001 waits for you at Downtown."
        await eventually(lambda: status_is(live.hub, event.id, "read"))
        [message] = messages(twilio).sent
        assert message.content_sid == template.sid
        assert message.content_variables == values
        assert message.body == event.body
        # A second template send reads the cached list, not the Content API again.
        async with live.hub.uow() as uow:
            await send_reply(
                uow,
                customer_id,
                "",
                channel="whatsapp",
                data={"template": {"sid": template.sid, "variables": values}},
            )
        assert content.list_requests == 1


async def test_twilios_own_window_refusal_fails_the_reply_with_63016(
    settings: Settings, twilio: RunningSimulator
) -> None:
    """Should the hub think the window open when Twilio does not (the message reached
    the hub some other way), Twilio's 63016 marks the reply failed, with the reason."""
    async with live_server(settings.with_(twilio_api_base=twilio.url)) as live:
        async with live.hub.uow() as uow:
            received = await receive_inbound(
                uow,
                Inbound(
                    channel="whatsapp", kind="phone", address=CUSTOMER, body="hi", provider_id="SMx"
                ),
            )
            event = await send_reply(uow, received.customer.id, "Hello", channel="whatsapp")
        await eventually(lambda: status_is(live.hub, event.id, "failed"))
        failed = await load(live.hub, event.id)
        assert failed.error_code == "63016"
        assert "24-hour" in (failed.error_message or "")


async def test_simulate_whatsapp_goes_through_the_simulator_once_per_sid(
    settings: Settings,
    twilio: RunningSimulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with live_server(
        settings.with_(twilio_api_base=twilio.url, outbox_enabled=False)
    ) as live:
        for name, value in {
            "HUB_PUBLIC_URL": live.url,
            "HUB_SECRET_KEY": "cli-test-secret",
            "HUB_VAR_DIR": str(tmp_path / "cli-var"),
            "TWILIO_ACCOUNT_SID": TWILIO_TEST_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TEST_TOKEN,
            "TWILIO_API_BASE": twilio.url,
            "TWILIO_WHATSAPP_NUMBER": WHATSAPP_NUMBER,
        }.items():
            monkeypatch.setenv(name, value)
        argv = ["simulate", "whatsapp", "--from", CUSTOMER, "--sid", "SM" + "b" * 32]
        for _ in range(2):
            assert await asyncio.to_thread(main, [*argv, "Hola 👋"]) == 0
        assert "through the simulator" in capsys.readouterr().out
        location = ["simulate", "whatsapp", "--from", CUSTOMER, "--latitude", "37.77"]
        assert await asyncio.to_thread(main, [*location, "--longitude", "-122.42"]) == 0
        # Direct to the hub (no simulator configured): signed like Twilio.
        monkeypatch.setenv("TWILIO_API_BASE", "https://api.twilio.com")
        assert (
            await asyncio.to_thread(main, ["simulate", "whatsapp", "--from", CUSTOMER, "hi"]) == 0
        )
        async with live.hub.read() as session:
            events = list((await session.execute(select(Event).order_by(Event.id))).scalars())
        assert (events[0].channel, events[0].body) == ("whatsapp", "Hola 👋")
        assert events[1].data["location"]["latitude"] == 37.77
        assert events[2].body == "hi"
        assert len(events) == 3
        assert whatsapp(twilio).window_open(CUSTOMER)
        assert events[0].data["wa_id"] == CUSTOMER.lstrip("+")
