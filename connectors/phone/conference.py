"""Each answered call in its own Twilio conference: the REST calls (through the
``twilio`` client and ``TWILIO_API_BASE``) that ring people into a call's room, hold
and resume them, and remove them. The TwiML that puts them in the room is in
``connectors.phone.twiml`` (``caller_into_room``, ``join_room``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from twilio.base.exceptions import TwilioException
from twilio.twiml.voice_response import VoiceResponse

from connectors.phone.twiml import (
    JOIN_PATH,
    LEG_PATH,
    WAIT_MUSIC_URL,
    callback_url,
    rest_address,
    room_of,
)
from connectors.twilio.client import twilio_client
from hub.errors import HubError
from hub.port.phone import VoiceAgent
from hub.settings import Settings

LEG_EVENTS = ["initiated", "ringing", "answered", "completed"]
RING_SECONDS = 20


class ProviderError(HubError):
    code = "provider_error"
    status = 502


def client_address(agent: VoiceAgent, customer_id: int, call_sid: str) -> str:
    """The REST ``To`` of ``agent``; for the browser softphone it carries the custom
    parameters that match the ring to its screen pop (``client:agent-3?customer_id=…``)."""
    address = rest_address(agent)
    if address.startswith("client:"):
        return f"{address}?{urlencode({'customer_id': customer_id, 'call_sid': call_sid})}"
    return address


class ConferenceLine:
    """REST operations on one call's room. Each method opens and closes its client."""

    def __init__(self, settings: Settings, call_sid: str) -> None:
        self.settings = settings
        self.call_sid = call_sid
        self.room = room_of(call_sid)

    async def ring(self, to: str, role: str, **target: str | int) -> str:
        """Call ``to``; when they answer they join the room (``/twilio/voice/join``) and
        every progress step reaches ``/twilio/voice/leg``. Returns the new CallSid."""
        query: dict[str, str | int] = {"call": self.call_sid, "role": role, **target}
        client = twilio_client(self.settings)
        try:
            call = await client.calls.create_async(
                to=to,
                from_=self.settings.twilio_voice_number,
                url=callback_url(self.settings, JOIN_PATH, **query),
                method="POST",
                timeout=RING_SECONDS,
                status_callback=callback_url(self.settings, LEG_PATH, **query),
                status_callback_method="POST",
                status_callback_event=LEG_EVENTS,
            )
        except TwilioException as exc:
            raise ProviderError(f"Twilio refused the call: {exc}") from exc
        finally:
            await client.http_client.close()  # type: ignore[union-attr]
        return str(call.sid)

    async def hold(self, participant: str, on: bool) -> None:
        """Hold (with music) or resume ``participant`` (a CallSid in the room)."""
        await self._participant(
            participant,
            lambda p: p.update_async(hold=on, hold_url=WAIT_MUSIC_URL, hold_method="GET"),
        )

    async def remove(self, participant: str) -> None:
        """Take ``participant`` out of the room (their call ends)."""
        await self._participant(participant, lambda p: p.delete_async())

    async def redirect(self, twiml: VoiceResponse) -> None:
        """Give the caller's own call new TwiML (e.g. voicemail when nobody answered)."""
        client = twilio_client(self.settings)
        try:
            await client.calls(self.call_sid).update_async(twiml=str(twiml))
        except TwilioException as exc:
            raise ProviderError(f"Twilio refused the update: {exc}") from exc
        finally:
            await client.http_client.close()  # type: ignore[union-attr]

    async def _participant(self, participant: str, action: Any) -> None:
        client = twilio_client(self.settings)
        try:
            rooms = await client.conferences.list_async(
                friendly_name=self.room, status="in-progress", limit=1
            )
            if not rooms:
                raise NotInConference("the call is not in a conference any more")
            await action(client.conferences(rooms[0].sid).participants(participant))
        except TwilioException as exc:
            raise ProviderError(f"Twilio refused: {exc}") from exc
        finally:
            await client.http_client.close()  # type: ignore[union-attr]


class NotInConference(HubError):
    code = "not_in_conference"
    status = 409
