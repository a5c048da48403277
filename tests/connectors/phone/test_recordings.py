"""Recordings of live calls against the loopback Twilio: the announcement, a
dual-channel recording of the caller's call once the agent answers, attached to the
call's event, and the pluggable transcriber's text attached to it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hub.actions.threads import assign_thread
from hub.models import Event
from hub.settings import Settings
from simulators.twilio.conferences import ConferencesResource
from simulators.twilio.recordings import RecordingsResource
from simulators.twilio.voice import CallsResource
from tests.connectors.phone.conftest import PhoneLab, make_agent, twiml
from tests.connectors.phone.test_twiml import CALLER, call_event, known_customer


class FakeTranscriber:
    """A ``CallTranscriber``: what ``HUB_CALL_TRANSCRIBER`` would load."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def transcribe(self, recording_url: str, *, channels: int) -> str | None:
        return f"Caller: where is my order? ({channels} channels, {recording_url[-34:]})"


@pytest.fixture(params=["announce", "on", "off"])
def phone_environ(request: pytest.FixtureRequest) -> dict[str, str]:
    return {
        "HUB_CALL_RECORDING": request.param,
        "HUB_CALL_TRANSCRIBER": f"{__name__}:FakeTranscriber",
    }


async def until(lab: PhoneLab, call_sid: str, check: Any) -> Event:
    for _ in range(250):
        event = await call_event(lab.hub, call_sid)
        if check(event):
            return event
        await asyncio.sleep(0.02)
    raise AssertionError("never happened")


async def test_recording_per_setting(lab: PhoneLab, phone_environ: dict[str, str]) -> None:
    mode = phone_environ["HUB_CALL_RECORDING"]
    assert lab.sim is not None
    calls = lab.sim.resource(CallsResource)
    recordings = lab.sim.resource(RecordingsResource)
    mulder = await make_agent(lab.hub, "Mulder")
    await lab.online(mulder)
    customer_id = await known_customer(lab.hub)
    async with lab.hub.uow() as uow:
        await assign_thread(uow, customer_id, mulder)
    caller = calls.incoming(CALLER, lab.settings.twilio_voice_number or "")

    answer = await lab.twilio.call(caller.sid, CALLER)
    said = twiml(answer).findtext("Say") or ""
    announced = "This call may be recorded for quality and training." in said
    assert announced == (mode == "announce")
    lab.sim.resource(ConferencesResource).execute(caller.sid, answer.text)
    # The agent's leg answers (the simulator); then the caller's call is recorded.
    await until(
        lab,
        caller.sid,
        lambda e: any(leg.get("status") == "in-progress" for leg in e.data.get("legs", [])),
    )
    if mode == "off":
        await asyncio.sleep(0.1)
        assert recordings.recordings == []
        assert "recordings" not in (await call_event(lab.hub, caller.sid)).data
        return
    event = await until(lab, caller.sid, lambda e: e.data.get("transcript"))
    (recording,) = recordings.recordings
    assert recording.call_sid == caller.sid and recording.channels == 2
    (attached,) = event.data["recordings"]
    assert attached["sid"] == recording.sid and attached["channels"] == 2
    assert attached["duration"] == 42 and attached["url"] == recording.url
    assert attached["transcript"] == event.data["transcript"]
    assert event.data["transcript"].startswith("Caller: where is my order? (2 channels")
    words = "announced" if mode == "announce" else "not announced"
    assert f"Recording started ({words})" in [s["text"] for s in event.data["steps"]]
