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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.phone import twiml
from connectors.phone.conference import ConferenceLine, client_address
from connectors.twilio.signatures import verified_form
from hub.actions.call_steps import add_call_leg, live_call
from hub.actions.callback_requests import (
    finish_callback,
    release_callback,
    request_callback,
    take_callback,
)
from hub.errors import Conflict
from hub.models import Agent, Event
from hub.queries.calls import next_in_line

if TYPE_CHECKING:
    from connectors.phone.connector import PhoneConnector

ANSWERED = ("in-progress", "answered")
NOT_ANSWERED = ("busy", "no-answer", "failed", "canceled")


class QueueCallbacks:
    def __init__(self, connector: PhoneConnector) -> None:
        self.connector = connector
        self.hub = connector.hub
        self.settings = connector.hub.settings
        self.channel = connector.channel

    async def choice(self, request: Request) -> Response:
        """``POST /twilio/voice/callback-choice``: a key pressed during the wait music."""
        form = await verified_form(request, self.settings)
        if str(form.get("Digits", "")).strip() != twiml.CALLBACK_DIGIT:
            return twiml.twiml_response(twiml.hold_music(self.settings))
        async with self.hub.uow() as uow:
            event = await request_callback(uow, self.channel, str(form.get("CallSid", "")))
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
        async with self.hub.read() as session:
            first, waiting, _ = await next_in_line(
                session, self.channel, self.settings.queue_max_wait_seconds
            )
        if first is None or not waiting:
            raise Conflict("nobody is waiting in the queue", code="queue_empty")
        return JSONResponse({"kind": "queue", "waiting": waiting})

    async def take_next_callback(self, agent: Agent) -> Event | None:
        """If the longest-waiting entry is a callback, take it for ``agent`` and ring
        them (then the customer). None when a queued caller is first (or nobody)."""
        for _ in range(3):  # another agent may take the same callback first
            async with self.hub.read() as session:
                first, _, _ = await next_in_line(
                    session, self.channel, self.settings.queue_max_wait_seconds
                )
            if first is None or not (first.data or {}).get("callback"):
                return None
            async with self.hub.uow() as uow:
                taken = await take_callback(uow, self.channel, first.provider_id or "", agent)
            if taken is not None:
                await self._ring_agent(taken, agent)
                return taken
        return None

    async def _ring_agent(self, event: Event, agent: Agent) -> None:
        call_sid = event.provider_id or ""
        leg = await ConferenceLine(self.settings, call_sid).ring(
            client_address(agent, event.customer_id, call_sid),
            "agent",
            agent_id=agent.id,
            then="customer",
        )
        async with self.hub.uow() as uow:
            stored = await live_call(uow, self.channel, call_sid)
            if stored is not None:
                await add_call_leg(uow, stored, leg, "agent", agent_id=agent.id)

    async def agent_leg(self, call_sid: str, status: str) -> None:
        """The agent's leg of a callback moved: answered rings the customer; not
        answered puts the callback back in line at its place."""
        if status in ANSWERED:
            async with self.hub.read() as session:
                event = await _call(session, self.channel, call_sid)
            if event is None or any(
                leg.get("role") == "customer" for leg in event.data.get("legs", [])
            ):
                return
            to = str(event.data.get("from", ""))
            leg = await ConferenceLine(self.settings, call_sid).ring(to, "customer")
            async with self.hub.uow() as uow:
                stored = await live_call(uow, self.channel, call_sid)
                if stored is not None:
                    await add_call_leg(uow, stored, leg, "customer")
        elif status in NOT_ANSWERED:
            async with self.hub.uow() as uow:
                stored = await live_call(uow, self.channel, call_sid)
                if stored is not None:
                    await release_callback(
                        uow, stored, f"Callback not answered by the agent ({status})"
                    )

    async def customer_leg(self, call_sid: str, status: str) -> None:
        """The customer's leg of a callback: reached, or not (the thread keeps waiting)."""
        if status not in (*ANSWERED, *NOT_ANSWERED):
            return
        async with self.hub.uow() as uow:
            stored = await live_call(uow, self.channel, call_sid)
            if stored is None:
                return
            if status in ANSWERED:
                await finish_callback(uow, stored, reached=True, text="Customer called back")
            else:
                await finish_callback(
                    uow, stored, reached=False, text=f"Customer did not answer ({status})"
                )


async def _call(session: AsyncSession, channel: str, call_sid: str) -> Event | None:
    result = await session.execute(
        select(Event).where(Event.channel == channel, Event.provider_id == call_sid)
    )
    return result.scalar_one_or_none()
