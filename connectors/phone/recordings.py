"""Recordings of live calls (``HUB_CALL_RECORDING``): started over REST once the call
is answered, dual-channel, attached to the call's event, then transcribed by the
configured provider (``connectors.phone.transcripts``).

With ``announce`` the caller hears "This call may be recorded…" before the room
(``twiml.caller_into_room``); with ``on`` nothing is said; with ``off`` nothing is
recorded. The recording is made on the customer's own call (the caller's CallSid, or
the customer's leg of a callback), so one channel is the customer and the other
everything they hear. ``POST /twilio/voice/call-recording?call=…`` receives Twilio's
recording status callback (signed).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from twilio.base.exceptions import TwilioException

from connectors.phone import twiml
from connectors.phone.settings import PhoneSettings
from connectors.phone.transcripts import load_transcriber
from connectors.twilio.client import twilio_client
from connectors.twilio.signatures import verified_form

if TYPE_CHECKING:
    from connectors.phone.connector import PhoneConnector

log = logging.getLogger(__name__)


class CallRecordings:
    def __init__(self, connector: PhoneConnector) -> None:
        self.connector = connector
        self.settings = connector.port.settings
        self.channel = connector.channel
        phone = PhoneSettings.from_settings(self.settings)
        self.mode = phone.recording
        self.transcriber = load_transcriber(phone.transcriber, self.settings)

    async def start(self, call_sid: str, customer_leg: str) -> None:
        """Record ``customer_leg`` (dual-channel) for the call ``call_sid``, once."""
        if self.mode == "off":
            return
        words = "announced" if self.mode == "announce" else "not announced"
        text = f"Recording started ({words})"
        if not await self.connector.port.phone.recording_started(self.channel, call_sid, text):
            return
        client = twilio_client(self.settings)
        try:
            await client.calls(customer_leg).recordings.create_async(
                recording_channels="dual",
                recording_status_callback=twiml.callback_url(
                    self.settings, twiml.CALL_RECORDING_PATH, call=call_sid
                ),
                recording_status_callback_method="POST",
                recording_status_callback_event=["completed"],
            )
        except TwilioException:
            log.exception("could not start recording call %s", call_sid)
        finally:
            await client.http_client.close()  # type: ignore[union-attr]

    async def completed(self, request: Request) -> Response:
        """``POST /twilio/voice/call-recording?call=…``: the recording is ready."""
        form = await verified_form(request, self.settings)
        call_sid = request.query_params.get("call", "") or str(form.get("CallSid", ""))
        url = str(form.get("RecordingUrl", ""))
        recording_sid = str(form.get("RecordingSid", ""))
        if form.get("RecordingStatus", "completed") != "completed" or not (url and recording_sid):
            return Response(status_code=204)
        channels = _int(form.get("RecordingChannels")) or 1
        event = await self.connector.port.phone.attach_recording(
            self.channel,
            call_sid,
            recording_sid,
            url,
            duration=_int(form.get("RecordingDuration")),
            channels=channels,
        )
        if event is not None and self.transcriber is not None:
            self.connector.live.spawn(self._transcribe(call_sid, recording_sid, url, channels))
        return Response(status_code=204)

    async def _transcribe(self, call_sid: str, recording_sid: str, url: str, channels: int) -> None:
        assert self.transcriber is not None
        try:
            text = await self.transcriber.transcribe(url, channels=channels)
        except Exception:
            log.exception("transcribing recording %s failed", recording_sid)
            return
        if text and text.strip():
            await self.connector.port.phone.attach_transcript(
                self.channel, call_sid, recording_sid, text.strip()
            )


def _int(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None
