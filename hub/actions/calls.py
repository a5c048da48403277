"""Live calls on a customer's timeline: start, route, status, recording, transcript.

A call is ONE timeline event of type ``call`` whose ``provider_id`` is the provider's
call id (Twilio CallSid). Later callbacks update that event's ``status`` and ``data``
and publish ``event.updated``; they never add rows. Every update is idempotent:
a status is applied once per call, a recording once per recording id, and a status
never moves backwards (``ringing`` → ``in-progress`` → a final status; the first final
status wins), so retried or out-of-order callbacks change nothing.

Event ``data`` keys: ``from``/``to``, ``route`` (``{"mode", "agent_id", "sticky"}``, plus
``"closed": true`` and ``"opens_at"`` for a voicemail outside business hours, and
``"callback": true`` when the number's phone menu books a callback instead),
``recognised_by`` (``verified``, ``handoff``, ``confirmed`` or ``new``),
``statuses`` (every status seen), ``duration`` (seconds), ``voicemail`` (bool),
``handoff`` (linked by a handoff code), ``recordings`` (``[{"sid", "url", "duration",
"transcript"?}]``) and ``transcript`` (the latest transcript text).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from hub import events as ev
from hub.actions.call_steps import add_call_leg, add_call_step, legs_of, live_call, pop_call
from hub.actions.callback_requests import book_callback
from hub.actions.customers import add_identity, find_identity, get_customer, get_thread
from hub.actions.handoff import redeem_handoff_code
from hub.actions.inbound import receive_inbound
from hub.actions.ivr_menus import CallMenu, call_menu
from hub.actions.routing import Route, choose_route
from hub.actions.timeline import NewEvent, append_to_customer, find_event
from hub.core import UnitOfWork
from hub.identity import InvalidAddress, normalize
from hub.models import Agent, Customer, Event, Thread
from hub.models.customer import VERIFIED
from hub.models.thread import (
    AGENT,
    CALL,
    FINAL_STATUSES,
    MISSED_STATUSES,
    OPEN,
    OUT,
    QUEUE,
    STATUS_RANK,
    VOICEMAIL,
    waits_in_queue,
)
from hub.types import CallUpdate, Inbound

# How far each call status has got; a callback with a lower rank is stale.


@dataclass
class CallAnswer:
    """What became of an incoming call: its event, customer and route, and the phone
    menu of the number it dialled (``hub.actions.ivr_menus``)."""

    event: Event
    customer: Customer
    route: Route
    duplicate: bool
    menu: CallMenu


async def find_caller(uow: UnitOfWork, kind: str, address: str) -> Customer | None:
    """The customer who proved ``(kind, address)`` (a verified identity), else None.

    A number someone only typed does not make its caller known: the call goes to the
    number's own customer (``resolve_identity``) and the typist is a suggestion."""
    try:
        normalized = normalize(kind, address, uow.settings.default_region)
    except InvalidAddress:
        return None
    identity = await find_identity(uow.session, kind, normalized)
    if identity is None or identity.verification != VERIFIED:
        return None
    return await get_customer(uow.session, identity.customer_id)


async def start_call(
    uow: UnitOfWork,
    inbound: Inbound,
    *,
    handoff: bool = False,
    recognised_by: str | None = None,
) -> CallAnswer:
    """Record an incoming call on the caller's thread and choose who takes it.

    ``inbound.type`` must be ``call`` with the call id as ``provider_id``. Routes the
    call (``hub.actions.routing.choose_route``), stores the route on the event and,
    unless it goes to voicemail, emits ``call.incoming`` (the screen pop) to the chosen
    agent, or to every agent when queued. A replay of the same call id returns the
    stored route and emits nothing.

    The pop's ``recognised_by`` tells the agent how sure the match is: ``verified``
    (a number the customer proved before), ``handoff`` (a code), ``confirmed`` (the
    caller pressed 1 for a recent chat; ``hub.actions.claim_links``) or ``new`` (a
    customer of its own; a number someone only typed is ``new`` too, and the typist
    shows in the pop's ``suggestions``).
    """
    if recognised_by is None:
        recognised_by = "handoff" if handoff else await _recognition(uow, inbound)
    received = await receive_inbound(uow, replace(inbound, awaits_reply=False))
    if received.duplicate:
        return await _stored_answer(uow, received.event)
    return await route_call(
        uow,
        received.event,
        received.customer,
        received.thread,
        recognised_by=recognised_by,
        handoff=handoff,
    )


async def route_call(
    uow: UnitOfWork,
    event: Event,
    customer: Customer,
    thread: Thread,
    *,
    recognised_by: str,
    handoff: bool = False,
) -> CallAnswer:
    """Choose who takes the recorded incoming call ``event`` (see ``start_call``); also
    used for a call that first heard an automatic answer (``hub.actions.ivr_calls``)."""
    if thread.status != OPEN:  # a call re-opens the thread, without counting as unread
        thread.status = OPEN
        thread.resolved_at = None
        uow.emit(ev.thread_updated(thread, customer.id))
    menu = await menu_of(uow, event)
    route = await choose_route(uow, thread, menu.hours)
    if route.closed and menu.books_callback:
        route = replace(route, callback=True)
    event.agent_id = route.agent_id
    data = {
        **event.data,
        "route": route.as_dict(),
        "statuses": _statuses(event),
        "recognised_by": recognised_by,
    }
    if handoff:
        data["handoff"] = True
    event.data = data
    if route.callback:
        await book_callback(uow, event, "Asked to be called back (closed)")
    elif route.mode == VOICEMAIL:
        _mark_voicemail(uow, customer, thread, event)
    _emit_updated(uow, event)
    if route.mode in (AGENT, QUEUE):
        uow.emit(ev.call_incoming(event, customer.id, route.as_dict(), route.agent_id))
    return CallAnswer(event, customer, route, duplicate=False, menu=menu)


async def menu_of(uow: UnitOfWork, event: Event) -> CallMenu:
    """The phone menu of the number the call ``event`` dialled, hours evaluated now."""
    dialled = str((event.data or {}).get("to") or "")
    return await call_menu(uow.session, dialled, region=uow.settings.default_region)


async def start_call_with_code(uow: UnitOfWork, inbound: Inbound, code: str) -> CallAnswer | None:
    """Link an incoming call to the customer a handoff code belongs to, then start it.

    The caller's address becomes a verified identity of that customer and the call
    lands on their thread. Returns None for a wrong, used or expired code. A replay
    for a call already started returns that call's stored answer.
    """
    if inbound.provider_id is not None:
        existing = await find_event(uow, inbound.channel, inbound.provider_id)
        if existing is not None:
            return await _stored_answer(uow, existing)
    customer = await redeem_handoff_code(
        uow, code, channel=inbound.channel, provider_id=inbound.provider_id
    )
    if customer is None:
        return None
    await add_identity(uow, customer.id, inbound.kind, inbound.address, verified=True)
    return await start_call(uow, replace(inbound, customer_id=customer.id), handoff=True)


async def update_call_status(
    uow: UnitOfWork, update: CallUpdate, *, missed: Inbound | None = None
) -> Event | None:
    """Apply a provider status callback to the call ``(update.channel, update.call_id)``.

    Unknown statuses, replays and statuses older than the stored one change nothing.
    When no call event exists yet and the status is final, ``missed`` (if given) is
    recorded as a missed call that awaits a call-back. Returns the call event or None.
    """
    channel, call_id, status = update.channel, update.call_id, update.status
    duration = update.duration
    if status not in STATUS_RANK:
        return await find_event(uow, channel, call_id)
    event = await live_call(uow, channel, call_id)
    if event is None:
        if missed is None or status not in FINAL_STATUSES:
            return None
        received = await receive_inbound(
            uow, replace(missed, status=status, body="Missed call", awaits_reply=True)
        )
        received.event.data = {**received.event.data, "statuses": [status]}
        return received.event
    seen = _statuses(event)
    current = STATUS_RANK.get(event.status or "", -1)
    changed = False
    if status not in seen:
        seen.append(status)
        changed = True
    data: dict[str, Any] = {**event.data, "statuses": seen}
    if STATUS_RANK[status] > current:
        event.status = status
        event.body = _summary(status, duration, data)
        changed = True
    if duration is not None and status in FINAL_STATUSES and data.get("duration") is None:
        data["duration"] = duration
        event.body = _summary(event.status or status, duration, data)
        changed = True
    legs = legs_of(event)
    own = next((leg for leg in legs if leg.get("sid") == call_id), None)
    if own is not None and STATUS_RANK[status] > STATUS_RANK.get(str(own.get("status")), -1):
        own["status"] = status  # an agent's own call is also their leg in its room
        data["legs"] = legs
        changed = True
    if changed:
        event.data = data
        _emit_updated(uow, event)
    return event


async def send_to_voicemail(uow: UnitOfWork, channel: str, call_id: str) -> Event | None:
    """The agent did not pick up: the call goes to voicemail and the thread waits for
    a call-back. Idempotent."""
    event = await live_call(uow, channel, call_id)
    if event is None or event.data.get("voicemail"):
        return event
    customer = await get_customer(uow.session, event.customer_id)
    thread = await get_thread(uow.session, customer.id)
    event.agent_id = None  # the agent who did not answer is free again
    _mark_voicemail(uow, customer, thread, event)
    _emit_updated(uow, event)
    return event


async def take_queued_call(
    uow: UnitOfWork, channel: str, call_id: str, agent_id: int
) -> Event | None:
    """An agent took a queued call out of the queue: the call is now theirs (and keeps
    them busy). Idempotent."""
    event = await live_call(uow, channel, call_id)
    agent = await uow.session.get(Agent, agent_id)
    if event is None or agent is None or event.agent_id == agent.id:
        return event
    event.agent_id = agent.id
    route = {"mode": AGENT, "agent_id": agent.id, "sticky": False, "dequeued": True}
    event.data = {**event.data, "route": route}
    _emit_updated(uow, event)
    return event


async def take_queued_call_into_room(
    uow: UnitOfWork, channel: str, call_id: str, agent_id: int, leg_id: str
) -> Event | None:
    """An agent takes a queued caller into the call's own conference room: the call is
    theirs, their own call ``leg_id`` (already answered) is its agent leg, and the step
    is on the timeline. The connector then moves the caller from the queue into the
    room; the agent gets the screen pop (``call.incoming`` with ``dequeued``). None when
    the call no longer waits (another agent took it first: the row is
    locked while this runs; it ended, went to voicemail or became a callback)."""
    event = await live_call(uow, channel, call_id)
    agent = await uow.session.get(Agent, agent_id)
    if event is None or agent is None or not waits_in_queue(event):
        return None
    event.agent_id = agent.id
    route = {"mode": AGENT, "agent_id": agent.id, "sticky": False, "dequeued": True}
    event.data = {**event.data, "route": route}
    await add_call_leg(uow, event, leg_id, AGENT, status="in-progress", agent_id=agent.id)
    await add_call_step(
        uow, event, "dequeued", f"Taken from the queue ({agent.name})", agent_id=agent.id
    )
    await pop_call(uow, event, agent, dequeued=True)  # who the agent is now talking to
    return event


async def mark_recording_started(uow: UnitOfWork, channel: str, call_id: str, text: str) -> bool:
    """Mark the live call as recorded, with the step ``text`` on its timeline; False
    (nothing to start) when there is no such call or it is already being recorded."""
    event = await live_call(uow, channel, call_id)
    if event is None or event.data.get("recording_started"):
        return False
    event.data = {**event.data, "recording_started": True}
    await add_call_step(uow, event, "recording", text)
    return True


async def attach_recording(
    uow: UnitOfWork,
    channel: str,
    call_id: str,
    recording_id: str,
    url: str,
    *,
    duration: int | None = None,
    channels: int | None = None,
) -> Event | None:
    """Attach a recording to the call; a recording id already attached changes nothing.
    ``channels`` (2 for a dual-channel recording of a live call) is kept when given."""
    event = await live_call(uow, channel, call_id)
    if event is None:
        return None
    recordings = [dict(r) for r in event.data.get("recordings", [])]
    if any(r.get("sid") == recording_id for r in recordings):
        return event
    recordings.append(
        {"sid": recording_id, "url": url, "duration": duration}
        | ({"channels": channels} if channels is not None else {})
    )
    event.data = {**event.data, "recordings": recordings}
    if event.data.get("voicemail"):
        event.body = "Voicemail"
    _emit_updated(uow, event)
    return event


async def attach_transcript(
    uow: UnitOfWork,
    channel: str,
    call_id: str,
    recording_id: str,
    text: str,
    *,
    url: str | None = None,
) -> Event | None:
    """Attach a recording's transcript to the call (creating the recording entry if its
    own callback has not arrived yet). The same transcript twice changes nothing."""
    event = await live_call(uow, channel, call_id)
    if event is None:
        return None
    recordings = [dict(r) for r in event.data.get("recordings", [])]
    entry = next((r for r in recordings if r.get("sid") == recording_id), None)
    if entry is None:
        entry = {"sid": recording_id, "url": url, "duration": None}
        recordings.append(entry)
    if entry.get("transcript") == text:
        return event
    entry["transcript"] = text
    event.data = {**event.data, "recordings": recordings, "transcript": text}
    _emit_updated(uow, event)
    return event


async def record_outbound_call(
    uow: UnitOfWork,
    customer_id: int,
    call: CallUpdate,
    *,
    kind: str,
    address: str,
    agent_id: int,
    client_id: str | None = None,
) -> Event:
    """An agent-initiated call (click-to-call) to ``address`` on the customer's thread,
    as the provider first reported it (``call``); idempotent on ``call.call_id``. Status
    callbacks then update it like any call. ``client_id`` (the
    console's idempotency key) is kept in ``data`` so a repeated request finds the call
    (``hub.queries.calls.find_outbound_call``)."""
    identity = await find_identity(uow.session, kind, address)
    appended = await append_to_customer(
        uow,
        customer_id,
        NewEvent(
            type=CALL,
            channel=call.channel,
            direction=OUT,
            body="Outgoing call",
            provider_id=call.call_id,
            status=call.status,
            identity_id=identity.id if identity is not None else None,
            agent_id=agent_id,
            data={"to": address, "statuses": [call.status]}
            | ({"client_id": client_id} if client_id else {}),
        ),
    )
    return appended.event


async def _recognition(uow: UnitOfWork, inbound: Inbound) -> str:
    """How the caller's address was known before this call: verified or new."""
    try:
        address = normalize(inbound.kind, inbound.address, uow.settings.default_region)
    except InvalidAddress:
        return "new"
    identity = await find_identity(uow.session, inbound.kind, address)
    return VERIFIED if identity is not None and identity.verification == VERIFIED else "new"


async def stored_call_answer(uow: UnitOfWork, event: Event) -> CallAnswer:
    """What was decided for an already routed call (a replayed webhook gets it again)."""
    return await _stored_answer(uow, event)


async def _stored_answer(uow: UnitOfWork, event: Event) -> CallAnswer:
    customer = await get_customer(uow.session, event.customer_id)
    stored = event.data.get("route") or {}
    agent_id = stored.get("agent_id")
    agent = await uow.session.get(Agent, agent_id) if isinstance(agent_id, int) else None
    mode = stored.get("mode", VOICEMAIL)
    if mode == AGENT and agent is None:
        mode = QUEUE
    if event.data.get("voicemail"):
        mode = VOICEMAIL
    opens_at = stored.get("opens_at")
    route = Route(
        mode,
        agent if mode == AGENT else None,
        bool(stored.get("sticky")),
        closed=bool(stored.get("closed")),
        opens_at=datetime.fromisoformat(opens_at) if isinstance(opens_at, str) else None,
        callback=bool(stored.get("callback")),
    )
    return CallAnswer(event, customer, route, duplicate=True, menu=await menu_of(uow, event))


def _statuses(event: Event) -> list[str]:
    seen = [str(s) for s in event.data.get("statuses", [])]
    if event.status and event.status not in seen:
        seen.insert(0, event.status)
    return seen


def _summary(status: str, duration: int | None, data: dict[str, Any]) -> str:
    if data.get("voicemail"):
        return "Voicemail"
    if status == "ringing":
        return "Incoming call"
    if status in ("in-progress", "answered"):
        return "Call in progress"
    if status == "completed":
        return f"Call ended after {duration} s" if duration is not None else "Call ended"
    if status in MISSED_STATUSES:
        return f"Missed call ({status})"
    return "Call"


def _mark_voicemail(uow: UnitOfWork, customer: Customer, thread: Thread, event: Event) -> None:
    """Nobody took the call: flag the event and make the thread wait for a call-back."""
    event.data = {**event.data, "voicemail": True}
    event.body = "Voicemail"
    if thread.waiting_since is None:
        thread.waiting_since = event.created_at
    thread.unread_count = (thread.unread_count or 0) + 1
    if thread.status != OPEN:
        thread.status = OPEN
        thread.resolved_at = None
    uow.emit(ev.thread_updated(thread, customer.id))


def _emit_updated(uow: UnitOfWork, event: Event) -> None:
    uow.emit(ev.event_updated(event, event.customer_id))
