"""Signatures, replays, status order, recordings and transcripts on the call event."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hub.actions.inbound import receive_inbound
from hub.actions.replies import send_reply
from hub.actions.staff import create_agent
from hub.actions.threads import set_thread_status
from hub.core import Hub
from hub.models import Customer, Event, Thread
from hub.types import Inbound
from tests.connectors.phone.conftest import PhoneLab, Twilio, rung, twiml, verbs

CALLER = "+15557770101"
PATHS = [
    "/twilio/voice",
    "/twilio/voice/status",
    "/twilio/voice/gather",
    "/twilio/voice/recording",
    "/twilio/voice/transcription",
    "/twilio/voice/dialed",
    "/twilio/voice/wait",
    "/twilio/voice/bridge",
    "/twilio/voice/client",
    "/twilio/voice/dequeued",
    "/twilio/voice/join?call=CA1&role=transfer",
    "/twilio/voice/leg?call=CA1&role=agent",
    "/twilio/voice/callback-choice",
    "/twilio/voice/call-recording?call=CA1",
    "/twilio/voice/ivr-choice",
]


@pytest.fixture
def hub(app: Any) -> Hub:
    return app.state.hub  # type: ignore[no-any-return]


async def known(hub: Hub) -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(channel="sms", kind="phone", address=CALLER, body="hi", provider_id="SM1"),
        )
    return received.customer.id


async def the_call(hub: Hub, sid: str = "CA1") -> Event:
    async with hub.read() as session:
        return (await session.execute(select(Event).where(Event.provider_id == sid))).scalar_one()


async def count(hub: Hub, model: type) -> int:
    async with hub.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


@pytest.mark.parametrize("path", PATHS)
async def test_bad_or_missing_signature_is_refused(
    client: httpx.AsyncClient, twilio: Twilio, hub: Hub, path: str
) -> None:
    params = {"CallSid": "CA1", "From": CALLER, "CallStatus": "ringing", "Direction": "inbound"}
    forged = await twilio.post(path, params, signature="bm90IGEgc2lnbmF0dXJl")
    missing = await client.post(path, data=params)
    assert forged.status_code == 403 and missing.status_code == 403
    assert await count(hub, Event) == 0 and await count(hub, Customer) == 0


async def test_signature_over_other_params_is_refused(twilio: Twilio, hub: Hub) -> None:
    await known(hub)
    good = {"CallSid": "CA1", "From": CALLER, "CallStatus": "ringing"}
    from connectors.twilio.signatures import sign

    signature = sign(twilio.settings, "http://testserver/twilio/voice", good)
    tampered = await twilio.post(
        "/twilio/voice", {**good, "From": "+15550009999"}, signature=signature
    )
    assert tampered.status_code == 403
    assert await count(hub, Event) == 1  # only the SMS


async def test_replayed_incoming_call_answers_the_same_and_stores_once(
    twilio: Twilio, hub: Hub
) -> None:
    await known(hub)
    first = await twilio.call("CA1", CALLER)
    again = await twilio.call("CA1", CALLER)
    assert first.text == again.text
    assert verbs(twiml(again)) == ["Say", "Record", "Hangup"]
    assert await count(hub, Event) == 2
    async with hub.read() as session:
        thread = (await session.execute(select(Thread))).scalar_one()
    assert thread.unread_count == 2  # the SMS, then the voicemail; not twice


async def test_status_moves_forward_only_and_replays_change_nothing(
    twilio: Twilio, hub: Hub
) -> None:
    await known(hub)
    await twilio.call("CA1", CALLER)
    assert (await twilio.status("CA1", "in-progress", CALLER)).status_code == 204
    await twilio.status("CA1", "completed", CALLER, CallDuration="125")
    before = await the_call(hub)
    # Late and replayed callbacks: an old "ringing", the same "completed", a second final.
    await twilio.status("CA1", "ringing", CALLER)
    await twilio.status("CA1", "in-progress", CALLER)
    await twilio.status("CA1", "completed", CALLER, CallDuration="125")
    await twilio.status("CA1", "no-answer", CALLER)
    event = await the_call(hub)
    assert event.status == "completed"
    assert event.data["duration"] == 125
    assert event.body == before.body == "Voicemail"
    assert event.data["statuses"] == ["ringing", "in-progress", "completed", "no-answer"]
    assert await count(hub, Event) == 2


async def test_out_of_order_final_before_in_progress(twilio: Twilio, hub: Hub) -> None:
    await known(hub)
    await twilio.call("CA1", CALLER)
    await twilio.status("CA1", "completed", CALLER, CallDuration="7")
    await twilio.status("CA1", "in-progress", CALLER)
    event = await the_call(hub)
    assert event.status == "completed" and event.data["duration"] == 7


async def test_recording_and_transcript_attach_to_the_call(twilio: Twilio, hub: Hub) -> None:
    await known(hub)
    await twilio.call("CA1", CALLER)
    recording = {
        "CallSid": "CA1",
        "RecordingSid": "RE1",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE1",
        "RecordingDuration": "9",
        "RecordingStatus": "completed",
    }
    answer = await twilio.post("/twilio/voice/recording", recording)
    assert verbs(twiml(answer)) == ["Hangup"]
    await twilio.post("/twilio/voice/recording", recording)  # status callback + action
    transcription = {
        "CallSid": "CA1",
        "RecordingSid": "RE1",
        "TranscriptionStatus": "completed",
        "TranscriptionText": "Please call me back about order A-1001",
    }
    assert (await twilio.post("/twilio/voice/transcription", transcription)).status_code == 204
    await twilio.post("/twilio/voice/transcription", transcription)
    event = await the_call(hub)
    assert event.data["recordings"] == [
        {
            "sid": "RE1",
            "url": recording["RecordingUrl"],
            "duration": 9,
            "transcript": "Please call me back about order A-1001",
        }
    ]
    assert event.data["transcript"] == "Please call me back about order A-1001"
    assert event.data["voicemail"] is True and event.body == "Voicemail"


async def test_transcript_before_its_recording_callback(twilio: Twilio, hub: Hub) -> None:
    await known(hub)
    await twilio.call("CA1", CALLER)
    await twilio.post(
        "/twilio/voice/transcription",
        {
            "CallSid": "CA1",
            "RecordingSid": "RE1",
            "TranscriptionStatus": "completed",
            "TranscriptionText": "hello",
        },
    )
    await twilio.post(
        "/twilio/voice/recording",
        {"CallSid": "CA1", "RecordingSid": "RE1", "RecordingUrl": "https://x/RE1"},
    )
    event = await the_call(hub)
    assert [r["sid"] for r in event.data["recordings"]] == ["RE1"]
    assert event.data["transcript"] == "hello"


async def test_unanswered_dial_goes_to_voicemail(twilio: Twilio, hub: Hub) -> None:
    await known(hub)
    await twilio.call("CA1", CALLER)
    answered = await twilio.post(
        "/twilio/voice/dialed", {"CallSid": "CA1", "DialCallStatus": "completed"}
    )
    assert verbs(twiml(answered)) == ["Hangup"]
    missed = await twilio.post(
        "/twilio/voice/dialed", {"CallSid": "CA1", "DialCallStatus": "no-answer"}
    )
    assert verbs(twiml(missed)) == ["Say", "Record", "Hangup"]
    assert (await the_call(hub)).data["voicemail"] is True


async def test_caller_who_hangs_up_before_the_code_is_a_missed_call(
    twilio: Twilio, hub: Hub
) -> None:
    await twilio.call("CA9", "+15550004444")  # unknown: asked for a code, nothing stored
    assert await count(hub, Event) == 0
    await twilio.status("CA9", "ringing", "+15550004444")
    assert await count(hub, Event) == 0
    await twilio.status("CA9", "canceled", "+15550004444")
    await twilio.status("CA9", "canceled", "+15550004444")
    event = await the_call(hub, "CA9")
    assert event.status == "canceled" and event.body == "Missed call"
    async with hub.read() as session:
        thread = (await session.execute(select(Thread))).scalar_one()
    assert thread.waiting_since is not None
    assert await count(hub, Event) == 1


async def test_status_for_an_unknown_outbound_call_is_ignored(twilio: Twilio, hub: Hub) -> None:
    response = await twilio.status("CA7", "completed", "+15550002222", Direction="outbound-api")
    assert response.status_code == 204
    assert await count(hub, Event) == 0


async def test_hold_music(twilio: Twilio) -> None:
    wait = twiml(await twilio.post("/twilio/voice/wait", {"CallSid": "CA1"}))
    # One round of music (Twilio re-requests the wait URL after it), with the callback
    # offer: press 2.
    play = wait.find("Gather/Play")
    assert verbs(wait) == ["Gather"] and play is not None and play.get("loop") == "1"
    assert "Press 2 to be called back" in (wait.findtext("Gather/Say") or "")


async def test_a_reply_after_a_call_goes_out_on_a_channel_that_can_carry_it(
    twilio: Twilio, hub: Hub
) -> None:
    customer_id = await known(hub)
    await twilio.call("CA1", CALLER)
    async with hub.read() as session:
        assert (await session.execute(select(Thread))).scalar_one().last_channel == "phone"
    async with hub.uow() as uow:
        reply = await send_reply(uow, customer_id, "Sorry we missed you, calling back soon")
    assert reply.channel == "sms"


async def test_browser_phone_answers_the_queue_and_takes_the_call(twilio: Twilio, hub: Hub) -> None:
    await known(hub)
    await twilio.call("CA1", CALLER)
    async with hub.uow() as uow:
        agent = await create_agent(uow, "seven@example.com", "Seven", "correct horse battery")
    root = twiml(
        await twilio.post(
            "/twilio/voice/client",
            {"CallSid": "CA5", "From": f"client:agent-{agent.id}", "To": "queue"},
        )
    )
    queue = root.find("Dial/Queue")
    assert queue is not None and (queue.text or "").strip() == "support"
    assert queue.get("url") == f"http://testserver/twilio/voice/dequeued?agent_id={agent.id}"

    said = twiml(
        await twilio.post(f"/twilio/voice/dequeued?agent_id={agent.id}", {"CallSid": "CA1"})
    )
    assert verbs(said) == ["Say"]
    event = await the_call(hub)
    assert event.agent_id == agent.id and event.data["route"]["dequeued"] is True


async def test_browser_phone_outgoing_and_strangers(twilio: Twilio, hub: Hub) -> None:
    async with hub.uow() as uow:
        agent = await create_agent(uow, "seven@example.com", "Seven", "correct horse battery")
    out = twiml(
        await twilio.post(
            "/twilio/voice/client",
            {"CallSid": "CA5", "From": f"client:agent-{agent.id}", "To": "5557770101"},
        )
    )
    number = out.find("Dial/Number")
    assert number is not None and (number.text or "").strip() == CALLER
    stranger = twiml(
        await twilio.post("/twilio/voice/client", {"CallSid": "CA6", "From": "+15550001", "To": ""})
    )
    assert verbs(stranger) == ["Hangup"]


async def test_a_call_reopens_a_resolved_thread(twilio: Twilio, hub: Hub) -> None:
    customer_id = await known(hub)
    async with hub.uow() as uow:
        await set_thread_status(uow, customer_id, "resolved")
    await twilio.call("CA1", CALLER)
    async with hub.read() as session:
        thread = (await session.execute(select(Thread))).scalar_one()
    assert thread.status == "open" and thread.resolved_at is None


async def test_browser_click_to_call_records_the_call_on_the_thread(lab: PhoneLab) -> None:
    hub, twilio = lab.hub, lab.twilio
    customer_id = await known(hub)
    async with hub.uow() as uow:
        agent = await create_agent(uow, "eight@example.com", "Eight", "correct horse battery")
    params = {"CallSid": "CA7", "From": f"client:agent-{agent.id}", "To": "customer"}
    for _ in range(2):  # a retried webhook records one call and rings the customer once
        root = twiml(
            await twilio.post("/twilio/voice/client", {**params, "customer_id": str(customer_id)})
        )
        # The agent's call enters its own room; the hub rings the customer into it.
        room = root.find("Dial/Conference")
        assert room is not None and (room.text or "").strip() == "call-CA7"
        assert room.get("participantLabel") == "agent"
    customer = (await rung(lab, 1))[0]
    assert customer.to == CALLER and customer.from_ == "+15550002222"
    event = await the_call(hub, "CA7")
    assert (event.customer_id, event.agent_id, event.direction) == (customer_id, agent.id, "out")
    assert event.data["to"] == CALLER and event.status == "in-progress"
    assert [(leg["sid"], leg["role"]) for leg in event.data["legs"]] == [
        ("CA7", "agent"),
        (customer.sid, "customer"),
    ]

    nobody = twiml(
        await twilio.post(
            "/twilio/voice/client", {**params, "CallSid": "CA8", "customer_id": "999"}
        )
    )
    assert verbs(nobody) == ["Say", "Hangup"]
    async with hub.read() as session:
        assert (
            await session.execute(select(func.count()).where(Event.provider_id == "CA8"))
        ).scalar() == 0
