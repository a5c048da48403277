"""Choosing who takes a live call: sticky to the thread's assignee, else anyone free.

An agent is *available* when their console is open (``hub.presence()``), their account
is active, and they are not on a call (``hub.models.thread.agents_on_call``: a call
routed to them still ringing or in progress, a callback they took, a transfer to
them). Outside business hours (the default team's schedule, ``hub.actions.hours``, or
the one the dialled number's phone menu follows, ``hub.actions.ivr_menus``) every call
goes to voicemail; with no schedule the hub is always open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from hub.actions.audit import record_audit
from hub.actions.hours import OPEN, Hours, hours_status
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Invalid, NotFound
from hub.identity import InvalidAddress, normalize_phone
from hub.models import Agent, Event, Thread
from hub.models.staff import ROUTE_CLIENT, ROUTE_NUMBER, ROUTE_SIP
from hub.models.thread import (
    AGENT,
    CALL,
    QUEUE,
    STALE_CALL_AFTER,
    VOICEMAIL,
    agents_on_call,
    may_hold_agents,
)


@dataclass(frozen=True)
class Route:
    """Where a call goes. ``agent`` is set for ``mode == AGENT``; ``sticky`` says it is
    the agent already handling the customer's thread. ``closed`` says the voicemail is
    because of business hours; ``opens_at`` is then the next opening in the schedule's
    local time (None when it never opens again), and ``callback`` that the phone menu
    books a callback instead of taking a voicemail."""

    mode: str
    agent: Agent | None = None
    sticky: bool = False
    closed: bool = False
    opens_at: datetime | None = None
    callback: bool = False

    @property
    def agent_id(self) -> int | None:
        return self.agent.id if self.agent is not None else None

    def as_dict(self) -> dict[str, object]:
        route: dict[str, object] = {
            "mode": self.mode,
            "agent_id": self.agent_id,
            "sticky": self.sticky,
        }
        if self.closed:
            route["closed"] = True
            route["opens_at"] = self.opens_at.isoformat() if self.opens_at else None
            if self.callback:
                route["callback"] = True
        return route


async def business_hours_status(uow: UnitOfWork, at: datetime | None = None) -> Hours:
    """Whether the default team is open at ``at`` (now) by its business-hours schedule
    (``hub.actions.hours.hours_status``)."""
    return await hours_status(uow.session, at=at)


async def busy_agent_ids(uow: UnitOfWork, candidates: set[int]) -> set[int]:
    """Those of ``candidates`` on a call (``hub.models.thread.agents_on_call``: a call
    ringing or in progress, a callback they took, a transfer to them)."""
    if not candidates:
        return set()
    result = await uow.session.execute(
        select(Event).where(may_hold_agents(utcnow() - STALE_CALL_AFTER))
    )
    busy: set[int] = set()
    for event in result.scalars():
        busy |= agents_on_call(event)
    return busy & candidates


async def available_agents(uow: UnitOfWork) -> tuple[list[Agent], bool]:
    """Agents free to take a call, the longest since their last call first, and whether
    anybody at all is online (online but all busy means: queue, not voicemail)."""
    online = set(uow.hub.presence())
    if not online:
        return [], False
    result = await uow.session.execute(
        select(Agent).where(Agent.id.in_(online), Agent.is_active.is_(True))
    )
    agents = list(result.scalars())
    if not agents:
        return [], False
    busy = await busy_agent_ids(uow, {a.id for a in agents})
    free = [a for a in agents if a.id not in busy]
    if free:
        last_calls = await uow.session.execute(
            select(Event.agent_id, func.max(Event.created_at))
            .where(Event.type == CALL, Event.agent_id.in_([a.id for a in free]))
            .group_by(Event.agent_id)
        )
        last = {agent_id: at for agent_id, at in last_calls.all()}
        free.sort(key=lambda a: (a.id in last, last.get(a.id) or utcnow(), a.id))
    return free, True


async def choose_route(uow: UnitOfWork, thread: Thread, hours: Hours | None = None) -> Route:
    """The route for a new call on ``thread``: its assignee if available (sticky), else
    any available agent, else the queue when agents are online but busy, else voicemail.
    ``hours`` (default: the default team's now) closed sends it to voicemail.

    Must run in the transaction that records the call with the chosen ``agent_id``:
    the chosen agent's row stays locked until it commits, so concurrent calls (in any
    process) never pick the same free agent; they skip locked agents instead of waiting.
    """
    hours = hours or await business_hours_status(uow)
    if hours.status != OPEN:
        return Route(VOICEMAIL, closed=True, opens_at=hours.opens_at)
    free, anyone_online = await available_agents(uow)
    if thread.assignee_id is not None:
        free.sort(key=lambda a: a.id != thread.assignee_id)
    for agent in free:
        if await _claim(uow, agent):
            return Route(AGENT, agent, sticky=agent.id == thread.assignee_id)
    return Route(QUEUE) if anyone_online else Route(VOICEMAIL)


async def _claim(uow: UnitOfWork, agent: Agent) -> bool:
    """Lock ``agent`` for this transaction if nobody else holds it and they are still
    free (a call committed since the list was read makes them busy)."""
    locked = await uow.session.execute(
        select(Agent.id).where(Agent.id == agent.id).with_for_update(skip_locked=True)
    )
    if locked.scalar_one_or_none() is None:
        return False
    return not await busy_agent_ids(uow, {agent.id})


async def set_voice_route(
    uow: UnitOfWork, agent_id: int, route: str, address: str | None = None, *, actor: str
) -> Agent:
    """How calls reach an agent: ``client`` (the console's browser phone), ``number``
    (an E.164 phone number) or ``sip`` (a SIP URI). Audited."""
    agent = await uow.session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    if route == ROUTE_CLIENT:
        address = None
    elif route == ROUTE_NUMBER:
        try:
            address = normalize_phone(address or "", uow.settings.default_region)
        except InvalidAddress as exc:
            raise Invalid(str(exc), code="invalid_address") from exc
    elif route == ROUTE_SIP:
        address = (address or "").strip()
        if not address.startswith("sip:") or "@" not in address or len(address) > 200:
            raise Invalid("a SIP route needs a URI like sip:agent@pbx.example.com")
    else:
        raise Invalid(f"route must be one of {ROUTE_CLIENT}, {ROUTE_NUMBER}, {ROUTE_SIP}")
    agent.voice_route = route
    agent.voice_address = address
    await record_audit(
        uow, actor, "agent.voice_route", "agent", agent.id, {"route": route, "address": address}
    )
    return agent
