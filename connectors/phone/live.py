"""Live calls in their conference rooms: ringing the agent in, hold and resume, warm and
cold transfers to another agent or a store (with a whispered summary), three-way calls.

Twilio side (form webhooks, signed): ``/twilio/voice/join`` answers a leg the hub placed
with the TwiML that puts it in the room (a transfer target first hears the summary);
``/twilio/voice/leg`` follows those legs (an agent who does not pick up sends the caller
to voicemail). Console side (session + ``X-CSRF-Token``, JSON), only for the agent who
has the call: ``POST /phone/calls/{sid}/hold``, ``POST /phone/calls/{sid}/transfer``,
``POST /phone/calls/{sid}/transfer/complete``; ``GET /phone/transfer-targets`` lists who
a call can go to. Every step lands on the call's timeline event
(``hub.actions.call_steps``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.phone import twiml
from connectors.phone.conference import ConferenceLine, client_address
from connectors.phone.settings import PhoneSettings
from connectors.twilio.signatures import verified_form
from hub import events as ev
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.port import AGENT, OUT, EventRef
from hub.port.calls import CallSummary, agent_leg, legs_of
from hub.port.phone import VoiceAgent
from hub.port.refs import AgentRef
from hub.settings import Settings

if TYPE_CHECKING:
    from connectors.phone.connector import PhoneConnector
    from hub.events import DomainEvent

log = logging.getLogger(__name__)

MODES = ("warm", "cold", "three_way")
NOT_ANSWERED = ("busy", "no-answer", "failed", "canceled")
RECOGNITION_WORDS = {
    "verified": "calling from a verified number",
    "asserted": "calling from a number they only typed in, so confirm who they are",
    "handoff": "linked by a handoff code",
    "confirmed": "pressed 1 to confirm the web chat that gave this number",
    "new": "a new caller",
}


class LiveCalls:
    """Handlers and background work for calls in conference rooms; one per connector."""

    def __init__(self, connector: PhoneConnector) -> None:
        self.connector = connector
        self.settings = connector.port.settings
        self.channel = connector.channel
        self.port = connector.port
        self.phone_settings = PhoneSettings.from_settings(self.settings)
        self._tasks: set[asyncio.Task[None]] = set()

    # -- ringing the agent in --------------------------------------------------------

    def on_event(self, event: DomainEvent) -> None:
        """After commit: a call routed to an agent (``call.incoming`` with an agent
        route, whatever IVR step routed it) rings that agent into the call's room (not
        the pops of a transfer, a callback or a caller taken from the queue: those
        agents' phones are rung, or already on the line, otherwise)."""
        pop = event.payload
        route = pop.get("route") or {}
        call = pop.get("call") or {}
        if (
            event.name != ev.CALL_INCOMING
            or route.get("mode") != AGENT
            or not isinstance(route.get("agent_id"), int)
            or call.get("channel") != self.channel
            or not call.get("provider_id")
            or pop.get("transfer")
            or pop.get("callback")
            or pop.get("dequeued")
        ):
            return
        self.spawn(
            self._ring_agent(str(call["provider_id"]), route["agent_id"], int(pop["customer_id"]))
        )

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` in the background (REST calls after commit), kept referenced."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ring_agent(self, call_sid: str, agent_id: int, customer_id: int) -> None:
        agent = await self.port.calls.agent(agent_id)
        if agent is None:
            return
        try:
            leg = await ConferenceLine(self.settings, call_sid).ring(
                client_address(agent, customer_id, call_sid), "agent", agent_id=agent.id
            )
        except Exception:
            log.exception("could not ring agent %s for call %s", agent.id, call_sid)
            await self._to_voicemail(call_sid)
            return
        await self.port.calls.add_leg(self.channel, call_sid, leg, "agent", agent_id=agent.id)

    async def _to_voicemail(self, call_sid: str) -> None:
        await self.port.phone.send_to_voicemail(self.channel, call_sid)
        try:
            await ConferenceLine(self.settings, call_sid).redirect(twiml.voicemail(self.settings))
        except Exception:
            log.exception("could not send call %s to voicemail", call_sid)

    async def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- Twilio callbacks ------------------------------------------------------------

    async def join(self, request: Request) -> Response:
        """``POST /twilio/voice/join?call=…&role=agent|transfer|customer``: a leg the
        hub placed picked up. A transfer target first hears who is calling and why; a
        store (``store=…``) also hears the thread's link, which its terminals show."""
        await verified_form(request, self.settings)
        call_sid = request.query_params.get("call", "")
        role = request.query_params.get("role", "agent")
        whisper = None
        if role == "customer":
            call = await self.port.find_event(self.channel, call_sid)
            if call is not None and call.data.get("callback"):
                whisper = "Hello, we are calling you back as you asked. Connecting you now."
        elif role == "transfer":
            store = bool(request.query_params.get("store"))
            summary = await self.port.calls.summary(self.channel, call_sid)
            whisper = _whisper(summary, self.settings if store else None)
        return twiml.twiml_response(twiml.join_room(call_sid, role, whisper))

    async def leg(self, request: Request) -> Response:
        """``POST /twilio/voice/leg?call=…&role=…``: progress of a leg the hub placed.
        An agent leg that ends unanswered sends the caller to voicemail; a transfer
        target that does not answer is noted on the timeline (the agent resumes)."""
        form = await verified_form(request, self.settings)
        call_sid = request.query_params.get("call", "")
        role = request.query_params.get("role", "")
        status = str(form.get("CallStatus", ""))
        leg_sid = str(form.get("CallSid", ""))
        await self.port.calls.set_leg_status(self.channel, call_sid, leg_sid, status)
        then = request.query_params.get("then")
        # The customer and an agent are in the room now: record (per setting) the
        # customer's own call: the caller's, or the customer's leg of a callback.
        if status == "in-progress" and (
            role == "customer" or (role == "agent" and then != "customer")
        ):
            await self.connector.recordings.start(
                call_sid, leg_sid if role == "customer" else call_sid
            )
        callbacks = self.connector.queue_callbacks
        if role == "customer":
            await callbacks.customer_leg(call_sid, status)
            if status in NOT_ANSWERED:
                await self._customer_not_reached(call_sid, status)
            return Response(status_code=204)
        if role == "agent" and then == "customer":
            await callbacks.agent_leg(call_sid, status)
            return Response(status_code=204)
        if status in NOT_ANSWERED and await self.port.calls.leg_not_answered(
            self.channel, call_sid, role, status
        ):
            await self._to_voicemail(call_sid)
        return Response(status_code=204)

    async def _customer_not_reached(self, call_sid: str, status: str) -> None:
        """Click-to-call: the customer the hub rang into the agent's room did not
        answer; the step goes on the timeline and the agent's call (the room's own
        call) is told and ended. A callback's agent is handled with the callback."""
        call = await self.port.find_event(self.channel, call_sid)
        if call is None or call.direction != OUT or call.data.get("callback"):
            return
        await self.port.calls.add_step(
            self.channel, call_sid, "not_reached", f"Customer did not answer ({status})"
        )
        try:
            await ConferenceLine(self.settings, call_sid).redirect(
                twiml.cannot_call("The customer did not answer.")
            )
        except Exception:
            log.exception("could not end call %s", call_sid)

    # -- console endpoints -----------------------------------------------------------

    async def _own_call(self, request: Request) -> tuple[VoiceAgent, EventRef]:
        """The agent's call named in the path: by the call's CallSid, or by the CallSid
        of the agent's own leg in its room (all a browser phone that placed the call,
        or took it from the queue, knows)."""
        agent = await self.connector.agents.agent_of(request)
        event = await self.port.calls.call_of_agent(
            self.channel, request.path_params["sid"], agent.id
        )
        if event is None:
            raise NotFound("no such call")
        if event.agent_id != agent.id:
            raise Forbidden("this call is not yours", code="not_your_call")
        if agent_leg(event, agent.id) is None:
            raise Conflict("this call is not in a conference room", code="not_in_conference")
        return agent, event

    async def hold(self, request: Request) -> JSONResponse:
        """``{"hold": bool}``: the caller hears music while on hold."""
        agent, event = await self._own_call(request)
        body = await _json(request)
        on = body.get("hold", True)
        if not isinstance(on, bool):
            raise Invalid("hold must be true or false")
        call_sid = event.provider_id or ""
        await ConferenceLine(self.settings, call_sid).hold(customer_in_room(event), on)
        step, text = ("hold", "On hold") if on else ("resume", "Resumed")
        await self.port.calls.add_step(
            self.channel, call_sid, step, f"{text} ({agent.name})", agent_id=agent.id
        )
        return JSONResponse({"ok": True, "hold": on})

    async def targets(self, request: Request) -> JSONResponse:
        """``GET /phone/transfer-targets``: the other agents (and whether they are
        online) and the stores with a phone number."""
        me = await self.connector.agents.agent_of(request)
        agents, stores = await self.port.calls.transfer_targets(me.id)
        numbers = self.phone_settings.store_numbers
        return JSONResponse(
            {
                "agents": [{"id": i, "name": n, "online": online} for i, n, online in agents],
                "stores": [{"code": c, "name": n} for c, n in stores if c in numbers],
            },
            headers={"cache-control": "no-store"},
        )

    async def transfer(self, request: Request) -> JSONResponse:
        """``{"mode": "warm"|"cold"|"three_way", "agent_id": int | "store": code}``.

        warm: the caller is held while the target hears the summary and talks with the
        agent; ``…/transfer/complete`` then hands the call over. cold: the target is
        rung with the summary and the agent leaves at once. three_way: the target joins
        the conversation, nobody is held."""
        agent, event = await self._own_call(request)
        body = await _json(request)
        mode = body.get("mode")
        if mode not in MODES:
            raise Invalid("mode must be warm, cold or three_way")
        if event.data.get("transfer"):
            raise Conflict("a transfer is already in progress", code="transfer_in_progress")
        target_agent, store, to = await self._target(body, agent, event)
        call_sid = event.provider_id or ""
        line = ConferenceLine(self.settings, call_sid)
        if mode == "warm":
            await line.hold(customer_in_room(event), True)
        target: dict[str, Any] = (
            {"agent_id": target_agent.id} if target_agent is not None else {"store": store}
        )
        leg = await line.ring(to, "transfer", **target)
        name = target_agent.name if target_agent is not None else f"store {store}"
        words = {"warm": "Warm transfer", "cold": "Cold transfer", "three_way": "Three-way call"}
        summary = _whisper(await self.port.calls.summary(self.channel, call_sid))
        await self.port.calls.transfer(
            self.channel,
            call_sid,
            leg,
            mode=mode,
            by=(agent.id, agent.name),
            target=target,
            text=f"{words[mode]} to {name} ({agent.name})",
            summary=summary,
        )
        if store is not None:  # the associates' terminals show the summary and the link
            await self.port.calls.tell_store(
                self.channel,
                call_sid,
                store,
                mode=mode,
                from_agent_id=agent.id,
                from_agent_name=agent.name,
                summary=summary,
            )
        if mode == "cold":
            own = agent_leg(event, agent.id)
            assert own is not None
            await line.remove(str(own["sid"]))
        return JSONResponse({"ok": True, "mode": mode, "leg": leg}, status_code=202)

    async def complete(self, request: Request) -> JSONResponse:
        """``POST /phone/calls/{sid}/transfer/complete``: end a warm transfer: the caller
        is resumed with the target and the transferring agent leaves."""
        agent, event = await self._own_call(request)
        transfer = event.data.get("transfer")
        if not isinstance(transfer, dict):
            raise Conflict("no warm transfer in progress", code="no_transfer")
        call_sid = event.provider_id or ""
        line = ConferenceLine(self.settings, call_sid)
        await line.hold(customer_in_room(event), False)
        own = agent_leg(event, agent.id)
        assert own is not None
        await line.remove(str(own["sid"]))
        target_id = transfer.get("agent_id")
        await self.port.calls.complete_transfer(
            self.channel,
            call_sid,
            target_id if isinstance(target_id, int) else None,
            f"Transfer completed ({agent.name} left)",
        )
        return JSONResponse({"ok": True})

    async def _target(
        self, body: dict[str, Any], agent: VoiceAgent, event: EventRef
    ) -> tuple[AgentRef | None, str | None, str]:
        agent_id, store = body.get("agent_id"), body.get("store")
        if isinstance(agent_id, int) and not isinstance(agent_id, bool):
            target = await self.port.calls.agent(agent_id)
            if target is None or not target.is_active or target.id == agent.id:
                raise Invalid("no such agent to transfer to")
            return target, None, client_address(target, event.customer_id, event.provider_id or "")
        if isinstance(store, str) and store in self.phone_settings.store_numbers:
            return None, store, self.phone_settings.store_numbers[store]
        raise Invalid("give agent_id, or the code of a store with a phone number")


def customer_in_room(event: EventRef) -> str:
    """The customer's CallSid in the call's room (the participant hold acts on): the
    customer the hub rang (a callback, a click-to-call), else the caller's own call."""
    rung = [leg for leg in legs_of(event) if leg.get("role") == "customer"]
    return str(rung[-1]["sid"]) if rung else event.provider_id or ""


def _whisper(summary: CallSummary | None, link_from: Settings | None = None) -> str:
    """What a transfer target hears before joining: who is calling, how sure the match
    is, why they called and their last message; with ``link_from`` (for a store, which
    has no console) also the thread's absolute link, also shown on its terminals."""
    if summary is None:
        return "Transferred call."
    name = summary.customer_name or "a customer"
    recognised = RECOGNITION_WORDS.get(str(summary.recognised_by), "")
    parts = [f"Transferred call from {name}" + (f", {recognised}" if recognised else "") + "."]
    if summary.reason:
        parts.append(f"Reason: {summary.reason}.")
    if summary.last_message:
        parts.append(f"Their last message: {summary.last_message[:200]}")
    if link_from is not None:
        parts.append(f"Their thread: {link_from.absolute_url(f'/customers/{summary.customer_id}')}")
    return " ".join(parts)


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, RecursionError) as exc:
        raise Invalid("the body must be JSON") from exc
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object")
    return body
