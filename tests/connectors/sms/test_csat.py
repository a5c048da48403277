"""CSAT over SMS: the survey goes out through the outbox after a resolve, a bare 1-5
reply is the rating (the thread stays resolved), and an opted-out number is not asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.actions.threads import set_thread_status
from hub.core import Hub
from hub.models import CsatSurvey, Customer, Event, Thread
from hub.settings import Settings
from simulators.twilio import serve_simulator
from tests.conftest import TWILIO_TEST_SID, TWILIO_TEST_TOKEN, live_server, make_settings
from tests.connectors.sms.support import payload, post_signed
from tests.connectors.sms.test_outbound import eventually, sent
from tests.hub.policies.hours_support import closed_now

CUSTOMER = "+15551230000"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, outbox_enabled=False, csat_surveys=True)


async def text(client: httpx.AsyncClient, settings: Settings, sid: str, body: str) -> None:
    params = payload("sms_incoming", settings, MessageSid=sid, SmsSid=sid, Body=body)
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200


async def customer_id(hub: Hub) -> int:
    async with hub.read() as session:
        return (await session.execute(select(Customer.id))).scalar_one()


async def resolve(hub: Hub) -> None:
    async with hub.uow() as uow:
        await set_thread_status(uow, await customer_id(hub), "resolved")


async def surveys(hub: Hub) -> list[CsatSurvey]:
    async with hub.read() as session:
        return list((await session.execute(select(CsatSurvey).order_by(CsatSurvey.id))).scalars())


async def thread(hub: Hub) -> Thread:
    async with hub.read() as session:
        return (await session.execute(select(Thread))).scalar_one()


async def event(hub: Hub, sid: str) -> Event:
    async with hub.read() as session:
        return (await session.execute(select(Event).where(Event.provider_id == sid))).scalar_one()


async def test_a_bare_digit_rates_and_does_not_reopen(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    await text(client, settings, "SMq", "Where is my order?")
    await resolve(hub)
    [survey] = await surveys(hub)
    assert (survey.state, survey.channel) == ("pending", "sms")
    await closed_now(hub)  # a rating is not a request: no out-of-hours reply either

    await text(client, settings, "SMrate", " 4 ")
    await text(client, settings, "SMrate", " 4 ")  # Twilio retry

    [survey] = await surveys(hub)
    assert (survey.state, survey.score, survey.answer_channel) == ("answered", 4, "sms")
    assert survey.provider_id == "SMrate"
    state = await thread(hub)
    assert state.status == "resolved" and state.unread_count == 0 and state.waiting_since is None
    rating = await event(hub, "SMrate")
    assert rating.direction == "in" and rating.data["csat"] == {"survey_id": survey.id, "score": 4}
    async with hub.read() as session:
        outs = (await session.execute(select(Event).where(Event.direction == "out"))).scalars()
        assert [e.data["via"] for e in outs] == ["csat"]

    # No survey pending any more: "5" is an ordinary message and re-opens the thread.
    await text(client, settings, "SMlater", "5")
    assert (await thread(hub)).status == "open"
    assert "csat" not in (await event(hub, "SMlater")).data
    assert len(await surveys(hub)) == 1


async def test_other_text_while_pending_is_an_ordinary_message(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    await text(client, settings, "SMq", "Where is my order?")
    await resolve(hub)
    await text(client, settings, "SMno", "10")
    await text(client, settings, "SMno2", "it never came")
    [survey] = await surveys(hub)
    assert survey.state == "pending"
    assert (await thread(hub)).status == "open"


async def test_opted_out_numbers_get_no_survey_and_opted_in_ones_do(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    await text(client, settings, "SMq", "Where is my order?")
    await text(client, settings, "SMstop", "STOP")
    await resolve(hub)
    assert await surveys(hub) == []
    async with hub.read() as session:
        assert (await session.execute(select(Event).where(Event.direction == "out"))).all() == []

    await text(client, settings, "SMstart", "START")  # opted back in (and re-opens)
    await resolve(hub)
    [survey] = await surveys(hub)
    assert survey.state == "pending" and survey.question_event_id is not None


async def test_the_survey_sms_is_delivered_by_the_outbox(settings: Settings) -> None:
    async with serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN, callback_delay=0.01) as sim:
        live_settings = settings.with_(twilio_api_base=sim.url, outbox_enabled=True)
        async with (
            live_server(live_settings) as live,
            httpx.AsyncClient(base_url=live.url) as http,
        ):
            await text(http, live.settings, "SMq", "Where is my order?")
            await resolve(live.hub)
            await eventually(lambda: len(sent(sim).sent) == 1)
            [message] = sent(sim).sent
            assert message.to == CUSTOMER and "1" in message.body and "5" in message.body
            await text(http, live.settings, "SMrate", "5")
            [survey] = await surveys(live.hub)
            assert survey.score == 5
