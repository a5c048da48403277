"""Notes, assignment and thread status."""

from __future__ import annotations

from datetime import datetime

from hub import events as ev
from hub.actions.audit import record_audit
from hub.actions.customers import get_customer, get_thread
from hub.actions.timeline import NewEvent, append_event, append_to_customer
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Invalid, NotFound
from hub.models import Agent, Event, Thread
from hub.models.thread import ASSIGNMENT, NOTE, OPEN, PENDING, RESOLVED, STATUS, THREAD_STATUSES

MAX_NOTE_CHARS = 10_000


async def add_note(
    uow: UnitOfWork,
    customer_id: int,
    body: str,
    *,
    agent_id: int | None = None,
    channel: str = "console",
    terminal_id: int | None = None,
    provider_id: str | None = None,
    created_at: datetime | None = None,
) -> Event:
    """A private note on the customer's thread; never sent to the customer.

    ``created_at`` backdates the note (imports and demo data); default now."""
    body = (body or "").strip()
    if not body:
        raise Invalid("a note needs a body", code="empty_body")
    if len(body) > MAX_NOTE_CHARS:
        raise Invalid(f"note longer than {MAX_NOTE_CHARS} characters", code="too_long")
    appended = await append_to_customer(
        uow,
        customer_id,
        NewEvent(
            type=NOTE,
            channel=channel,
            body=body,
            agent_id=agent_id,
            terminal_id=terminal_id,
            provider_id=provider_id,
            created_at=created_at,
        ),
    )
    return appended.event


async def assign_thread(
    uow: UnitOfWork,
    customer_id: int,
    agent_id: int | None,
    *,
    actor_agent_id: int | None = None,
    at: datetime | None = None,
) -> Thread:
    """Assign the customer's thread to an agent (None unassigns). Recorded on the timeline
    (at ``at``, default now: imports and demo data backdate it)."""
    customer = await get_customer(uow.session, customer_id)
    thread = await get_thread(uow.session, customer.id)
    agent = None
    if agent_id is not None:
        agent = await uow.session.get(Agent, agent_id)
        if agent is None or not agent.is_active:
            raise NotFound(f"agent {agent_id} not found")
    if thread.assignee_id == agent_id:
        return thread
    thread.assignee_id = agent_id
    await append_event(
        uow,
        customer,
        thread,
        NewEvent(
            type=ASSIGNMENT,
            channel="console",
            agent_id=actor_agent_id,
            body=f"Assigned to {agent.name}" if agent else "Unassigned",
            data={"assignee_id": agent_id, "assignee_name": agent.name if agent else None},
            created_at=at,
        ),
    )
    return thread


async def set_thread_status(
    uow: UnitOfWork,
    customer_id: int,
    status: str,
    *,
    actor_agent_id: int | None = None,
    at: datetime | None = None,
) -> Thread:
    """Resolve, re-open or park (pending) the customer's thread (at ``at``, default now)."""
    if status not in THREAD_STATUSES:
        raise Invalid(f"status must be one of {', '.join(THREAD_STATUSES)}")
    customer = await get_customer(uow.session, customer_id)
    thread = await get_thread(uow.session, customer.id)
    if thread.status == status:
        return thread
    previous = thread.status
    thread.status = status
    if status == RESOLVED:
        thread.resolved_at = at or utcnow()
        thread.waiting_since = None
        thread.unread_count = 0
    elif status in (OPEN, PENDING):
        thread.resolved_at = None
    labels = {RESOLVED: "Resolved", OPEN: "Re-opened", PENDING: "Marked pending"}
    await append_event(
        uow,
        customer,
        thread,
        NewEvent(
            type=STATUS,
            channel="console",
            agent_id=actor_agent_id,
            body=labels[status],
            data={"from": previous, "to": status},
            created_at=at,
        ),
    )
    if actor_agent_id is not None:
        await record_audit(
            uow, f"agent:{actor_agent_id}", f"thread.{status}", "customer", customer.id
        )
    return thread


async def mark_read(uow: UnitOfWork, customer_id: int) -> Thread:
    customer = await get_customer(uow.session, customer_id)
    thread = await get_thread(uow.session, customer.id)
    if thread.unread_count:
        thread.unread_count = 0
        uow.emit(ev.thread_updated(thread, customer.id))
    return thread
