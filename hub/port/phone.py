"""What the phone asks of the hub for its call flow (``HubPort.phone``): the phone
menu of a dialled number, routing the answers of the IVR's steps, recordings and their
transcripts, callbacks asked for (from the queue or after the order status), click-to-call.

Every method runs in a transaction of its own (``call_menu`` may also read inside a
caller's) and returns plain values (``CallRoute``, ``IncomingCall``, ``EventRef``),
never ORM objects. The TwiML is the connector's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.actions.call_steps import live_call
from hub.actions.callback_requests import (
    callback_of,
    finish_callback,
    release_callback,
    request_callback,
    take_callback,
)
from hub.actions.calls import (
    CallAnswer,
    attach_recording,
    attach_transcript,
    find_caller,
    mark_recording_started,
    record_outbound_call,
    send_to_voicemail,
    start_call,
    start_call_with_code,
    take_queued_call,
    update_call_status,
)
from hub.actions.claim_links import start_call_with_order_number, start_confirmed_call
from hub.actions.customers import get_customer
from hub.actions.handoff import CODE_DIGITS
from hub.actions.ivr_calls import hold_call_in_ivr, order_to_tell, route_held_call
from hub.actions.ivr_menus import DEFAULT_MENU, CallMenu, call_menu
from hub.core import Hub, UnitOfWork
from hub.errors import Unreachable
from hub.models import Agent
from hub.models.customer import PHONE
from hub.models.staff import ROUTE_CLIENT, ROUTE_NUMBER, ROUTE_SIP
from hub.port.refs import EventRef
from hub.queries.calls import find_outbound_call, next_in_line, phone_of
from hub.queries.suggestions import Suggestion, claims_on, keyed_order_matches
from hub.serializers import event_dict
from hub.types import CallUpdate, Inbound, JSONDict

__all__ = [
    "CODE_DIGITS",
    "ROUTE_CLIENT",
    "ROUTE_NUMBER",
    "ROUTE_SIP",
    "CallMenu",
    "CallRoute",
    "IncomingCall",
    "PhonePort",
    "VoiceAgent",
]


class VoiceAgent(Protocol):
    """What the phone reads of an agent (the signed-in one, ``hub.port.web.signed_in_agent``): who,
    and how to ring them: in the browser (``client``), on a number or a SIP address
    (``voice_route``, ``voice_address``)."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def voice_route(self) -> str: ...

    @property
    def voice_address(self) -> str | None: ...


@dataclass(frozen=True)
class CallRoute:
    """Where an answered incoming call goes (``hub.actions.routing.Route``): to the
    agent ``agent_id`` (``mode`` AGENT), into the queue, or to voicemail (``closed``:
    because of business hours, which open again at ``opens_at``; ``callback``: the
    menu books a callback instead). ``menu``: the dialled number's phone menu (its
    greeting, voicemail greeting and callback offer)."""

    call_sid: str | None
    first_name: str | None
    mode: str
    agent_id: int | None = None
    closed: bool = False
    opens_at: datetime | None = None
    callback: bool = False
    menu: CallMenu = DEFAULT_MENU

    @classmethod
    def of(cls, answer: CallAnswer) -> CallRoute:
        route = answer.route
        return cls(
            answer.event.provider_id,
            answer.customer.first_name,
            route.mode,
            route.agent_id,
            route.closed,
            route.opens_at,
            route.callback,
            answer.menu,
        )


@dataclass(frozen=True)
class IncomingCall:
    """What the hub made of an incoming call: the dialled number's ``menu`` and either
    its ``route`` (routed now), the ``order_status`` it is held to hear (the caller's
    first name and the words), or neither yet: an unknown caller, ``claimed`` when a
    recent chat gave their number."""

    menu: CallMenu
    route: CallRoute | None = None
    order_status: tuple[str | None, str] | None = None
    claimed: bool = False


class PhonePort:
    """The phone's call flow: confirmed chats, the order-status IVR, recordings,
    queue callbacks."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def call_menu(self, dialled: str, *, uow: UnitOfWork | None = None) -> CallMenu:
        """The phone menu calls to ``dialled`` follow (configured in the console, else
        the built-in default), with whether its business hours are open now
        (``hub.actions.ivr_menus.call_menu``); inside ``uow`` when given."""
        region = self.hub.settings.default_region
        if uow is not None:
            return await call_menu(uow.session, dialled, region=region)
        async with self.hub.read() as session:
            return await call_menu(session, dialled, region=region)

    async def start_confirmed_call(self, inbound: Inbound) -> CallRoute | None:
        """The caller pressed 1 ("that was me, in the chat"): link them to the chat and
        route the call (``hub.actions.claim_links.start_confirmed_call``); None when
        no recent chat gave the number any more."""
        async with self.hub.uow() as uow:
            claims = await _claims_on(uow, inbound)
            claimant = claims[0] if claims else None
            answer = await start_confirmed_call(
                uow,
                inbound,
                claimant.customer if claimant is not None else None,
                claimant.reason if claimant is not None else "",
            )
            return CallRoute.of(answer) if answer is not None else None

    async def incoming_call(self, inbound: Inbound, dialled: str) -> IncomingCall:
        """What becomes of an incoming call to ``dialled``, in one transaction: a
        verified caller with an open order is held to hear its status (when the menu
        says so); a known caller, or any caller outside business hours, is routed
        (``hub.actions.calls.start_call``); an unknown one waits for a code, or to
        confirm the recent chat that gave the number (``claimed``)."""
        async with self.hub.uow() as uow:
            menu = await call_menu(uow.session, dialled, region=uow.settings.default_region)
            known = await find_caller(uow, inbound.kind, inbound.address) is not None
            told = await _order_status(uow, inbound) if known and menu.order_status else None
            if told is not None:
                return IncomingCall(menu, order_status=told)
            if known or menu.closed:
                return IncomingCall(menu, CallRoute.of(await start_call(uow, inbound)))
            claimed = bool(await _claims_on(uow, inbound))
            return IncomingCall(menu, claimed=claimed)

    async def start_call_with_digits(
        self, inbound: Inbound, digits: str, *, last_try: bool
    ) -> CallRoute | None:
        """The caller keyed in ``digits``: a handoff code links the call to its customer,
        an order number starts it with that order's customer as a suggestion; with
        nothing right, None to ask again, or on the ``last_try`` the call starts as
        an unknown caller's."""
        async with self.hub.uow() as uow:
            answer = await start_call_with_code(uow, inbound, digits) if digits else None
            if answer is None and digits:  # an order number: a suggestion, never a link
                hours = uow.settings.claim_match_hours
                if await keyed_order_matches(uow.session, digits, hours=hours):
                    answer = await start_call_with_order_number(uow, inbound, digits)
            if answer is None and (not digits or last_try):
                answer = await start_call(uow, inbound)
            return CallRoute.of(answer) if answer is not None else None

    async def update_call_status(self, update: CallUpdate, *, missed: Inbound | None) -> None:
        """The provider's news of a call (``hub.actions.calls.update_call_status``); a
        final status for a call never recorded is kept as ``missed``."""
        async with self.hub.uow() as uow:
            await update_call_status(uow, update, missed=missed)

    async def send_to_voicemail(self, channel: str, call_sid: str) -> None:
        """Nobody answered: the caller leaves a voicemail (the agent rung is free again)."""
        async with self.hub.uow() as uow:
            await send_to_voicemail(uow, channel, call_sid)

    async def left_queue(self, channel: str, call_sid: str) -> bool:
        """The caller left the queue after the longest wait: they leave a voicemail,
        unless they booked a callback (then True, and nothing changes)."""
        async with self.hub.uow() as uow:
            event = await live_call(uow, channel, call_sid)
            if event is not None and callback_of(event) is not None:
                return True
            await send_to_voicemail(uow, channel, call_sid)
            return False

    async def take_queued_call(self, channel: str, call_sid: str, agent_id: int) -> None:
        """The agent took the queued caller from Twilio's queue: the call is theirs."""
        async with self.hub.uow() as uow:
            await take_queued_call(uow, channel, call_sid, agent_id)

    async def route_held_call(self, channel: str, call_sid: str) -> CallRoute | None:
        """The caller held in the IVR asked to talk to someone: route the call now; None
        if it did not go through the IVR."""
        async with self.hub.uow() as uow:
            answer = await route_held_call(uow, channel, call_sid)
            return CallRoute.of(answer) if answer is not None else None

    async def recording_started(self, channel: str, call_sid: str, text: str) -> bool:
        """Mark the live call ``call_sid`` as recorded, with the step ``text`` on its
        timeline; False (nothing to start) when there is no such call or it is already
        being recorded."""
        async with self.hub.uow() as uow:
            return await mark_recording_started(uow, channel, call_sid, text)

    async def attach_recording(
        self,
        channel: str,
        call_sid: str,
        recording_sid: str,
        url: str,
        *,
        duration: int | None,
        channels: int | None = None,
    ) -> EventRef | None:
        """Attach a finished recording to its call (once per recording id); None when
        the call is unknown (``hub.actions.calls.attach_recording``)."""
        async with self.hub.uow() as uow:
            event = await attach_recording(
                uow, channel, call_sid, recording_sid, url, duration=duration, channels=channels
            )
            return EventRef.of(event) if event is not None else None

    async def attach_transcript(
        self, channel: str, call_sid: str, recording_sid: str, text: str, *, url: str | None = None
    ) -> None:
        """Attach a recording's transcript to its call (``attach_transcript``)."""
        async with self.hub.uow() as uow:
            await attach_transcript(uow, channel, call_sid, recording_sid, text, url=url)

    async def request_callback(self, channel: str, call_sid: str) -> EventRef | None:
        """The queued caller pressed the callback key: book a callback for the call
        (``hub.actions.callback_requests.request_callback``); None if not booked."""
        async with self.hub.uow() as uow:
            event = await request_callback(uow, channel, call_sid)
            return EventRef.of(event) if event is not None else None

    async def next_in_line(self, channel: str) -> tuple[EventRef | None, int, int]:
        """The longest-waiting queued caller or pending callback, and how many callers
        wait in the queue and how many callbacks (``hub.queries.calls.next_in_line``)."""
        async with self.hub.read() as session:
            first, waiting, callbacks = await next_in_line(
                session, channel, self.hub.settings.queue_max_wait_seconds
            )
            return (EventRef.of(first) if first is not None else None), waiting, callbacks

    async def take_callback(self, channel: str, call_sid: str, agent_id: int) -> EventRef | None:
        """The agent takes the pending callback ``call_sid``; None when another agent
        took it first (``take_callback``)."""
        async with self.hub.uow() as uow:
            agent = await uow.session.get(Agent, agent_id)
            if agent is None:
                return None
            event = await take_callback(uow, channel, call_sid, agent)
            return EventRef.of(event) if event is not None else None

    async def release_callback(self, channel: str, call_sid: str, reason: str) -> None:
        """The agent could not be reached: the callback goes back in line, at its place."""
        async with self.hub.uow() as uow:
            event = await live_call(uow, channel, call_sid)
            if event is not None:
                await release_callback(uow, event, reason)

    async def finish_callback(
        self, channel: str, call_sid: str, *, reached: bool, text: str
    ) -> None:
        """The customer's leg of a callback ended: reached, or not (the thread keeps
        waiting); ``text`` is the step on the call's timeline."""
        async with self.hub.uow() as uow:
            event = await live_call(uow, channel, call_sid)
            if event is not None:
                await finish_callback(uow, event, reached=reached, text=text)

    async def customer_phone(self, customer_id: int) -> str:
        """The customer's most recently used phone number. Raises ``NotFound`` for an
        unknown customer, ``Unreachable`` when they have no phone number."""
        async with self.hub.read() as session:
            customer = await get_customer(session, customer_id)
            phone = await phone_of(session, customer.id)
        if phone is None:
            raise Unreachable("the customer has no phone number")
        return phone

    async def placed_call(self, customer_id: int, agent_id: int, client_id: str) -> JSONDict | None:
        """The click-to-call ``agent_id`` already placed to the customer with this
        idempotency key, as the console's JSON (``find_outbound_call``), or None."""
        async with self.hub.read() as session:
            event = await find_outbound_call(session, customer_id, agent_id, client_id)
            return event_dict(event) if event is not None else None

    async def record_outbound_call(
        self,
        customer_id: int,
        call: CallUpdate,
        *,
        address: str,
        agent_id: int,
        client_id: str | None = None,
    ) -> JSONDict:
        """An agent's call to the customer's phone ``address`` on their thread, as the
        provider first reported it (``hub.actions.calls.record_outbound_call``; once per
        call), as the console's JSON."""
        async with self.hub.uow() as uow:
            event = await record_outbound_call(
                uow,
                customer_id,
                call,
                kind=PHONE,
                address=address,
                agent_id=agent_id,
                client_id=client_id,
            )
            return event_dict(event)


async def _order_status(uow: UnitOfWork, inbound: Inbound) -> tuple[str | None, str] | None:
    """For a verified caller with an open order, record the call (held, not routed
    yet) and return the caller's first name and the status to tell
    (``hub.actions.ivr_calls``); else None."""
    order = await order_to_tell(uow, inbound)
    if order is None:
        return None
    event = await hold_call_in_ivr(uow, inbound, order)
    if event is None:
        return None
    customer = await get_customer(uow.session, event.customer_id)
    return customer.first_name, str(event.data["ivr"]["said"])


async def _claims_on(uow: UnitOfWork, inbound: Inbound) -> list[Suggestion]:
    """Recent claims (``HUB_CLAIM_MATCH_HOURS``) on the caller's number, newest first."""
    settings = uow.settings
    return await claims_on(
        uow.session,
        inbound.kind,
        inbound.address,
        region=settings.default_region,
        hours=settings.claim_match_hours,
    )
