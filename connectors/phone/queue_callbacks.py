"""Callback instead of waiting, on the phone: the offer in the queue, and taking the
next in line (a queued caller or a callback, by arrival).

- ``POST /twilio/voice/callback-choice`` (the ``<Gather>`` of the wait music): digit
  ``twiml.CALLBACK_DIGIT`` (2) books a callback at the caller's place in line
  (``hub.actions.callback_requests``) and the caller leaves the queue; any other key
  goes back to the music.
- ``POST /phone/queue/next`` (console session + ``X-CSRF-Token``): the longest-waiting
  entry. A queued caller answers ``{"kind": "queue"}`` (the softphone then connects
  ``To=queue``); a callback is taken by this agent: the hub rings the agent into the
  call's room first and, once they answer, the customer (``/twilio/voice/leg`` with
  ``then=customer``), with the screen pop on the agent's console.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.phone import twiml
from connectors.phone.conference import ConferenceLine, client_address
from connectors.twilio.signatures import verified_form
from hub.errors import Conflict
from hub.port import EventRef
from hub.port.phone import VoiceAgent

if TYPE_CHECKING:
    from connectors.phone.connector import PhoneConnector

ANSWERED = ("in-progress", "answered")
NOT_ANSWERED = ("busy", "no-answer", "failed", "canceled")


class QueueCallbacks:
    def __init__(self, connector: PhoneConnector) -> None:
        self.connector = connector
        self.phone = connector.port.phone
        self.settings = connector.port.settings
        self.channel = connector.channel

    async def choice(self, request: Request) -> Response:
        """``POST /twilio/voice/callback-choice``: a key pressed during the wait music."""
        form = await verified_form(request, self.settings)
        if str(form.get("Digits", "")).strip() != twiml.CALLBACK_DIGIT:
            return twiml.twiml_response(twiml.hold_music(self.settings))
        event = await self.phone.request_callback(self.channel, str(form.get("CallSid", "")))
        if event is None:
            return twiml.twiml_response(twiml.hold_music(self.settings))
        return twiml.twiml_response(twiml.callback_booked())

    async def next(self, request: Request) -> JSONResponse:
        """``POST /phone/queue/next``: take the longest-waiting caller or callback."""
        agent = await self.connector.agents.agent_of(request)
        event = await self.take_next_callback(agent)
        if event is not None:
            return JSONResponse(
                {"kind": "callback", "call_sid": event.provider_id}, status_code=202
            )
        first, waiting, _ = await self.phone.next_in_line(self.channel)
        if first is None or not waiting:
            raise Conflict("nobody is waiting in the queue", code="queue_empty")
        return JSONResponse({"kind": "queue", "waiting": waiting})

    async def take_next_callback(self, agent: VoiceAgent) -> EventRef | None:
        """If the longest-waiting entry is a callback, take it for ``agent`` and ring
        them (then the customer). None when a queued caller is first (or nobody)."""
        for _ in range(3):  # another agent may take the same callback first
            first, _, _ = await self.phone.next_in_line(self.channel)
            if first is None or not first.data.get("callback"):
                return None
            taken = await self.phone.take_callback(self.channel, first.provider_id or "", agent.id)
            if taken is not None:
                await self._ring_agent(taken, agent)
                return taken
        return None

    async def _ring_agent(self, event: EventRef, agent: VoiceAgent) -> None:
        call_sid = event.provider_id or ""
        leg = await ConferenceLine(self.settings, call_sid).ring(
            client_address(agent, event.customer_id, call_sid),
            "agent",
            agent_id=agent.id,
            then="customer",
        )
        await self.connector.port.calls.add_leg(
            self.channel, call_sid, leg, "agent", agent_id=agent.id
        )

    async def agent_leg(self, call_sid: str, status: str) -> None:
        """The agent's leg of a callback moved: answered rings the customer; not
        answered puts the callback back in line at its place."""
        if status in ANSWERED:
            event = await self.connector.port.find_event(self.channel, call_sid)
            if event is None or any(
                leg.get("role") == "customer" for leg in event.data.get("legs", [])
            ):
                return
            to = str(event.data.get("from", ""))
            leg = await ConferenceLine(self.settings, call_sid).ring(to, "customer")
            await self.connector.port.calls.add_leg(self.channel, call_sid, leg, "customer")
        elif status in NOT_ANSWERED:
            await self.phone.release_callback(
                self.channel, call_sid, f"Callback not answered by the agent ({status})"
            )

    async def customer_leg(self, call_sid: str, status: str) -> None:
        """The customer's leg of a callback: reached, or not (the thread keeps waiting)."""
        if status not in (*ANSWERED, *NOT_ANSWERED):
            return
        if status in ANSWERED:
            await self.phone.finish_callback(
                self.channel, call_sid, reached=True, text="Customer called back"
            )
        else:
            await self.phone.finish_callback(
                self.channel, call_sid, reached=False, text=f"Customer did not answer ({status})"
            )
