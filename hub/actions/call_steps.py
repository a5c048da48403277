"""What happens during a live call, on its one timeline event: the legs the hub placed
(the agent's phone, a transfer target), the steps (hold, resume, transfers) and who has
the call now. Channel-neutral: the phone connector decides when; these only write.

Event ``data`` keys added here: ``legs`` (``[{"sid", "role", "agent_id"?, "store"?,
"status"}]``, one per call id), ``steps`` (``[{"step", "text", "at", "agent_id"?,
...}]``, in order; ``text`` is what the timeline shows) and ``transfer`` (the transfer
in progress: ``{"mode", "agent_id"?, "store"?, "by", "leg"}``, removed when it ends).
Every change publishes ``event.updated`` after commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import select

from hub import events as ev
from hub.actions.customers import get_customer
from hub.actions.routing import Route
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.models import Agent, Event, Store, Terminal
from hub.models.thread import AGENT, STATUS_RANK


async def live_call(uow: UnitOfWork, channel: str, call_id: str) -> Event | None:
    """The call event ``(channel, call_id)``, locked until the transaction ends (None
    when unknown). Every writer here reads the call through it: legs, steps and the
    transfer are read-modify-write of one JSON column, and concurrent callbacks
    (a leg's progress during a transfer) must not undo each other."""
    result = await uow.session.execute(
        select(Event)
        .where(Event.channel == channel, Event.provider_id == call_id)
        .with_for_update()
    )
    return result.scalar_one_or_none()


class WithData(Protocol):
    """A call event, or what a connector reads of one (``hub.port.EventRef``)."""

    @property
    def data(self) -> Mapping[str, Any]: ...


def legs_of(event: WithData) -> list[dict[str, Any]]:
    return [dict(leg) for leg in event.data.get("legs", []) if isinstance(leg, dict)]


def agent_leg(event: WithData, agent_id: int) -> dict[str, Any] | None:
    """The latest leg the hub placed to ``agent_id`` for this call."""
    legs = [leg for leg in legs_of(event) if leg.get("agent_id") == agent_id]
    return legs[-1] if legs else None


async def add_call_leg(
    uow: UnitOfWork, event: Event, sid: str, role: str, *, status: str = "queued", **target: Any
) -> Event:
    """Record a call in ``event``'s room (``role`` ``agent``, ``transfer`` or
    ``customer``): one the hub placed (``queued``), or an agent's own call that joined
    (``status`` ``in-progress``); a leg id already recorded changes nothing."""
    legs = legs_of(event)
    if any(leg.get("sid") == sid for leg in legs):
        return event
    legs.append({"sid": sid, "role": role, "status": status, **target})
    event.data = {**event.data, "legs": legs}
    emit_call_updated(uow, event)
    return event


async def set_leg_status(
    uow: UnitOfWork, channel: str, call_id: str, leg_sid: str, status: str
) -> tuple[Event, dict[str, Any]] | None:
    """Note a placed leg's latest status; returns the call and the leg, or None. A
    status only moves forward (``STATUS_RANK``): the provider does not promise its
    callbacks arrive in order, and a late ``ringing`` must not undo ``in-progress``."""
    event = await live_call(uow, channel, call_id)
    if event is None:
        return None
    legs = legs_of(event)
    leg = next((leg for leg in legs if leg.get("sid") == leg_sid), None)
    if leg is None:
        return None
    if STATUS_RANK.get(status, -1) > STATUS_RANK.get(str(leg.get("status")), -1):
        leg["status"] = status
        event.data = {**event.data, "legs": legs}
        emit_call_updated(uow, event)
    return event, leg


async def add_call_step(
    uow: UnitOfWork, event: Event, step: str, text: str, **detail: Any
) -> Event:
    """Append one step (``hold``, ``resume``, ``transfer``, ``transfer_done``...) with
    the words the timeline shows."""
    steps = [dict(s) for s in event.data.get("steps", []) if isinstance(s, dict)]
    steps.append({"step": step, "text": text, "at": utcnow().isoformat(), **detail})
    event.data = {**event.data, "steps": steps}
    emit_call_updated(uow, event)
    return event


def set_transfer(uow: UnitOfWork, event: Event, transfer: dict[str, Any] | None) -> None:
    """Start (or, with None, end) the transfer in progress on ``event``."""
    data = {k: v for k, v in event.data.items() if k != "transfer"}
    if transfer is not None:
        data["transfer"] = transfer
    event.data = data
    emit_call_updated(uow, event)


def hand_call_to(uow: UnitOfWork, event: Event, agent_id: int | None) -> None:
    """The call now belongs to ``agent_id`` (busy for routing), or to nobody here (a
    store took it)."""
    event.agent_id = agent_id
    emit_call_updated(uow, event)


async def pop_call(uow: UnitOfWork, event: Event, agent: Agent, **extra: Any) -> None:
    """Send ``agent`` the screen pop of a call coming to them other than by routing,
    with ``extra`` (``transfer={mode, who, summary…}``, ``callback=True``)."""
    customer = await get_customer(uow.session, event.customer_id)
    route = Route(AGENT, agent).as_dict()
    uow.emit(ev.call_incoming(event, customer.id, route, agent.id, **extra))


def emit_call_updated(uow: UnitOfWork, event: Event) -> None:
    uow.emit(ev.event_updated(event, event.customer_id))


async def tell_store(uow: UnitOfWork, event: Event, code: str, **transfer: Any) -> dict[str, Any]:
    """The call ``event`` is being transferred to store ``code``: its terminals (the
    associate's view, pushed by the in-store connector) get who is calling, ``transfer``
    (``mode``, ``from_agent_name``, ``summary``) and the absolute link to the thread
    (``call.to_store`` after commit). Returns that payload."""
    store = (
        await uow.session.execute(select(Store).where(Store.code == code))
    ).scalar_one_or_none()
    terminals: list[int] = []
    if store is not None:
        result = await uow.session.execute(
            select(Terminal.id).where(Terminal.store_id == store.id, Terminal.revoked_at.is_(None))
        )
        terminals = list(result.scalars())
    customer = await get_customer(uow.session, event.customer_id)
    payload: dict[str, Any] = {
        "store": code,
        "store_name": store.name if store is not None else code,
        "terminal_ids": terminals,
        "customer_id": customer.id,
        "name": customer.name,
        "call_sid": event.provider_id,
        "thread_url": uow.settings.absolute_url(f"/customers/{customer.id}"),
        **transfer,
    }
    uow.emit(ev.DomainEvent(ev.CALL_TO_STORE, payload, customer.id))
    return payload
