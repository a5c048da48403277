"""``hub simulate call``: the signed voice webhooks of a whole call, against a live hub."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from hub.actions.handoff import create_handoff_code
from hub.actions.inbound import receive_inbound
from hub.actions.threads import assign_thread
from hub.cli import main
from hub.models import Customer, Event
from hub.types import Inbound
from simulators.twilio.voice_cli import CallSimulation
from tests.conftest import TEST_SECRET
from tests.connectors.phone.conftest import PhoneLab, make_agent
from tests.connectors.phone.test_conference import as_agent
from tests.connectors.phone.test_twiml import call_event

BUSY = "+15557770102"


async def test_voicemail_call_from_a_known_number(lab: PhoneLab) -> None:
    async with lab.hub.uow() as uow:
        await receive_inbound(
            uow, Inbound(channel="sms", kind="phone", address="+15557770101", provider_id="SM1")
        )
    simulation = CallSimulation(lab.http, lab.settings, "+15557770101")
    steps = await simulation.run([], duration=12, message="Call me back please")

    assert [(s.path, s.verbs) for s in steps] == [
        ("/twilio/voice", ("Say", "Record", "Hangup")),
        ("/twilio/voice/status", ()),
        ("/twilio/voice/recording", ("Hangup",)),
        ("/twilio/voice/recording", ("Hangup",)),
        ("/twilio/voice/transcription", ()),
        ("/twilio/voice/status", ()),
    ]
    async with lab.hub.read() as session:
        event = (
            await session.execute(select(Event).where(Event.provider_id == simulation.sid))
        ).scalar_one()
    assert event.status == "completed" and event.data["duration"] == 12
    assert len(event.data["recordings"]) == 1
    assert event.data["transcript"] == "Call me back please"


async def test_handoff_code_call_to_an_online_agent(lab: PhoneLab) -> None:
    agent = await make_agent(lab.hub, "Forrest")
    async with lab.hub.uow() as uow:
        chat = await receive_inbound(
            uow,
            Inbound(channel="webchat", kind="visitor", address="v1", body="hi", provider_id="c1"),
        )
        handoff = await create_handoff_code(
            uow, chat.customer.id, from_channel="webchat", to_channel="phone"
        )
    console = await lab.online(agent)
    simulation = CallSimulation(lab.http, lab.settings, "+15557770199")
    steps = await simulation.run(["999999", handoff.code], duration=30, message="")

    assert [s.verbs for s in steps[:3]] == [("Gather",), ("Gather",), ("Say", "Dial")]
    assert [s.path for s in steps[3:]] == [
        "/twilio/voice/status",
        "/twilio/voice/dialed",
        "/twilio/voice/status",
    ]
    pop = await console.next("call.incoming")
    assert pop["customer_id"] == chat.customer.id


async def test_the_command_line(
    lab: PhoneLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_environment(lab, monkeypatch)
    argv = ["simulate", "call", "--from", "+15557770123", "--digits", "123456", "--sid", "CAcli"]

    assert await asyncio.to_thread(main, argv) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "200 /twilio/voice Gather",
        "200 /twilio/voice/gather Gather",
        "200 /twilio/voice/gather Say Record Hangup",
    ]
    async with lab.hub.read() as session:
        event = (
            await session.execute(select(Event).where(Event.provider_id == "CAcli"))
        ).scalar_one()
        assert await session.get(Customer, event.customer_id) is not None
    assert event.status == "completed" and event.data["voicemail"] is True


def cli_environment(lab: PhoneLab, monkeypatch: pytest.MonkeyPatch) -> None:
    """``hub simulate call`` aimed at the lab's hub."""
    monkeypatch.setenv("HUB_PUBLIC_URL", lab.live.url)
    monkeypatch.setenv("HUB_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", lab.settings.twilio_auth_token or "")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", lab.settings.twilio_account_sid or "")


async def busy_agent(lab: PhoneLab) -> int:
    """Mulder is online and on a call (a caller routed to him is ringing)."""
    mulder = await make_agent(lab.hub, "Mulder")
    async with lab.hub.uow() as uow:
        busy = await receive_inbound(
            uow, Inbound(channel="sms", kind="phone", address=BUSY, provider_id="SMbusy")
        )
        await assign_thread(uow, busy.customer.id, mulder)
    await lab.online(mulder)
    assert (await lab.twilio.call("CA1", BUSY)).text.count("<Conference") == 1
    return mulder


async def test_a_queued_caller_waits_then_presses_2_for_a_callback(lab: PhoneLab) -> None:
    mulder = await busy_agent(lab)
    simulation = CallSimulation(lab.http, lab.settings, "+15557770123")
    waiting = asyncio.create_task(
        simulation.run([], duration=20, message="", wait=1.0, callback=True)
    )
    # While the caller waits, the wallboard shows them.
    for _ in range(100):
        board = (await lab.http.get("/phone/wallboard", headers=await as_agent(lab, mulder))).json()
        if board["waiting"]:
            break
        await asyncio.sleep(0.02)
    assert board["waiting"] == 1 and board["longest_waiting_since"] is not None
    steps = await waiting

    assert [(s.path, s.verbs) for s in steps] == [
        ("/twilio/voice", ("Gather",)),  # no code
        ("/twilio/voice/gather", ("Say", "Enqueue")),
        ("/twilio/voice/status", ()),
        ("/twilio/voice/wait", ("Gather",)),
        ("/twilio/voice/wait", ("Gather",)),  # a second round, after the wait
        ("/twilio/voice/callback-choice", ("Say", "Leave")),
        ("/twilio/voice/enqueued", ("Hangup",)),
        ("/twilio/voice/status", ()),
    ]
    event = await call_event(lab.hub, simulation.sid)
    assert event.data["callback"]["status"] == "pending" and event.status == "completed"
    board = (await lab.http.get("/phone/wallboard", headers=await as_agent(lab, mulder))).json()
    assert (board["waiting"], board["callbacks"], board["abandoned_today"]) == (0, 1, 0)


async def test_a_queued_caller_who_gives_up_is_abandoned(
    lab: PhoneLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mulder = await busy_agent(lab)
    cli_environment(lab, monkeypatch)
    argv = ["simulate", "call", "--from", "+15557770124", "--sid", "CAgone", "--wait", "0.1"]

    assert await asyncio.to_thread(main, argv) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        "200 /twilio/voice/gather Say Enqueue",
        "204 /twilio/voice/status",
        "200 /twilio/voice/wait Gather",
        "200 /twilio/voice/wait Gather",
        "200 /twilio/voice/enqueued Hangup",  # hung up: no voicemail
        "204 /twilio/voice/status",
    ]
    event = await call_event(lab.hub, "CAgone")
    assert event.status == "completed" and not event.data.get("voicemail")
    board = (await lab.http.get("/phone/wallboard", headers=await as_agent(lab, mulder))).json()
    assert (board["waiting"], board["abandoned_today"]) == (0, 1)
