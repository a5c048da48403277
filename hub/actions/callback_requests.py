"""Callback instead of waiting: a queued caller asks to be called back and keeps their
place in line; an agent later takes the callback like the next caller.

State lives on the call's timeline event, ``data["callback"]``: ``{"status", "requested_at",
"agent_id"?}`` with status ``pending`` (waiting at the call's original position: the
queue is ordered by the calls' arrival), ``taken`` (an agent is being rung, then the
customer), ``done`` (the customer answered) or ``missed`` (they did not). An agent who
does not pick up puts it back to ``pending``: it keeps its place. Channel-neutral; the
phone connector decides when.
"""

from __future__ import annotations

from typing import Any

from hub import events as ev
from hub.actions.call_steps import add_call_step, live_call, pop_call
from hub.actions.customers import get_thread
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.models import Agent, Event
from hub.models.thread import CALLBACK_TAKEN as TAKEN

PENDING = "pending"
DONE = "done"
MISSED = "missed"


def callback_of(event: Event) -> dict[str, Any] | None:
    callback = (event.data or {}).get("callback")
    return dict(callback) if isinstance(callback, dict) else None


async def request_callback(uow: UnitOfWork, channel: str, call_id: str) -> Event | None:
    """The caller pressed the callback digit while queued: they will be called back and
    the thread waits for it. Asking again changes nothing."""
    event = await live_call(uow, channel, call_id)
    if event is None or callback_of(event) is not None:
        return event
    await book_callback(uow, event, "Asked to be called back (keeps their place)")
    return event


async def book_callback(uow: UnitOfWork, event: Event, text: str) -> None:
    """Make ``event``'s caller wait for a callback (``pending``, at the call's place in
    line), the thread waiting for it; ``text`` is the step on the timeline."""
    event.data = {
        **event.data,
        "callback": {"status": PENDING, "requested_at": utcnow().isoformat()},
    }
    thread = await get_thread(uow.session, event.customer_id)
    if thread.waiting_since is None:
        thread.waiting_since = event.created_at
        uow.emit(ev.thread_updated(thread, event.customer_id))
    await add_call_step(uow, event, "callback", text)


async def take_callback(uow: UnitOfWork, channel: str, call_id: str, agent: Agent) -> Event | None:
    """``agent`` takes a pending callback: it is theirs (screen pop now), and the
    connector rings them first, then the customer. None if it is no longer pending
    (another agent took it first: the row is locked while this runs)."""
    event = await live_call(uow, channel, call_id)
    callback = callback_of(event) if event is not None else None
    if event is None or callback is None or callback.get("status") != PENDING:
        return None
    _set(event, {**callback, "status": TAKEN, "agent_id": agent.id})
    event.agent_id = agent.id
    await add_call_step(uow, event, "callback_taken", f"Callback taken by {agent.name}")
    await pop_call(uow, event, agent, callback=True)
    return event


async def release_callback(uow: UnitOfWork, event: Event, reason: str) -> None:
    """The agent could not be reached: back to ``pending`` at the same position."""
    callback = callback_of(event)
    if callback is None or callback.get("status") != TAKEN:
        return
    _set(event, {k: v for k, v in callback.items() if k != "agent_id"} | {"status": PENDING})
    event.agent_id = None
    await add_call_step(uow, event, "callback_released", reason)


async def finish_callback(uow: UnitOfWork, event: Event, *, reached: bool, text: str) -> None:
    """The customer answered (``done``) or did not (``missed``: the thread keeps
    waiting for someone to try again)."""
    callback = callback_of(event)
    if callback is None or callback.get("status") != TAKEN:
        return
    _set(event, {**callback, "status": DONE if reached else MISSED})
    if reached:
        thread = await get_thread(uow.session, event.customer_id)
        thread.waiting_since = None
        uow.emit(ev.thread_updated(thread, event.customer_id))
    await add_call_step(uow, event, "callback_done" if reached else "callback_missed", text)


def _set(event: Event, callback: dict[str, Any]) -> None:
    event.data = {**event.data, "callback": callback}
