"""Appending events to a customer's thread: the one place timeline rows are written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub import events as ev
from hub.actions.customers import get_customer, get_thread
from hub.core import UnitOfWork
from hub.db import add_if_new, utcnow
from hub.models import Customer, Event, Thread
from hub.models.thread import IN, MESSAGE, OPEN

PREVIEW_CHARS = 200


@dataclass
class Appended:
    event: Event
    created: bool


async def find_event(uow: UnitOfWork, channel: str, provider_id: str) -> Event | None:
    result = await uow.session.execute(
        select(Event).where(Event.channel == channel, Event.provider_id == provider_id)
    )
    return result.scalar_one_or_none()


@dataclass(frozen=True)
class NewEvent:
    """What a timeline event to append says: its type and channel, and the columns the
    caller knows (``append_event`` adds the customer, the thread and, by default, the
    time). ``provider_id`` is unique per channel and makes a second append a no-op."""

    type: str
    channel: str
    direction: str | None = None
    body: str | None = None
    provider_id: str | None = None
    status: str | None = None
    identity_id: int | None = None
    agent_id: int | None = None
    terminal_id: int | None = None
    data: dict[str, Any] | None = None
    created_at: datetime | None = None


async def append_event(
    uow: UnitOfWork,
    customer: Customer,
    thread: Thread,
    new: NewEvent,
    *,
    awaits_reply: bool = True,
    known_new: bool = False,
) -> Appended:
    """Insert one timeline event and update the thread; idempotent on provider id.

    When ``(channel, provider_id)`` already exists (a webhook retry, a resent frame,
    or the same id arriving concurrently in another process) the existing event is
    returned with ``created=False`` and nothing else changes. ``known_new`` skips the
    look-up when the caller has just done it in this transaction (the unique
    constraint still catches a concurrent insert).
    """
    session = uow.session
    channel, provider_id = new.channel, new.provider_id
    if provider_id is not None and not known_new:
        existing = await find_event(uow, channel, provider_id)
        if existing is not None:
            return Appended(existing, False)
    now = new.created_at or utcnow()
    values: dict[str, Any] = {
        **vars(new),
        "customer_id": customer.id,
        "thread_id": thread.id,
        "data": new.data or {},
        "created_at": now,
        "updated_at": now,
    }
    if provider_id is not None:
        inserted = await _insert_unless_present(uow, values)
        if inserted is None:
            existing = await find_event(uow, channel, provider_id)
            if existing is None:  # pragma: no cover - the winner rolled back
                raise RuntimeError(f"event {channel}:{provider_id} conflicted but is missing")
            return Appended(existing, False)
        event = inserted
    else:
        event = Event(**values)
        session.add(event)
        await session.flush()

    _touch_thread(thread, event, awaits_reply=awaits_reply)
    uow.emit(ev.event_created(event, customer.id))
    uow.emit(ev.thread_updated(thread, customer.id))
    return Appended(event, True)


async def append_to_customer(uow: UnitOfWork, customer_id: int, new: NewEvent) -> Appended:
    """``append_event`` on the thread of customer ``customer_id`` (a merged-away
    customer's event goes to the customer they were merged into)."""
    customer = await get_customer(uow.session, customer_id)
    return await append_event(uow, customer, await get_thread(uow.session, customer.id), new)


async def _insert_unless_present(uow: UnitOfWork, values: dict[str, Any]) -> Event | None:
    """Insert the event unless ``(channel, provider_id)`` exists; None when it does.

    One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on PostgreSQL and SQLite (the
    unique constraint decides races across processes without a savepoint round trip);
    a savepoint around a plain insert elsewhere.
    """
    session = uow.session
    dialect = uow.hub.engine.dialect.name
    if dialect in ("postgresql", "sqlite"):
        upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            upsert(Event)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
            .returning(Event)
        )
        return (await session.execute(statement)).scalar_one_or_none()
    event = Event(**values)
    return event if await add_if_new(session, event) else None


THREAD_ACTIVITY = (
    "status",
    "last_channel",
    "last_activity_at",
    "last_message_preview",
    "waiting_since",
    "unread_count",
    "resolved_at",
)


def thread_changes(
    thread: Mapping[str, Any],
    *,
    type: str,
    channel: str,
    direction: str | None,
    body: str | None,
    created_at: datetime,
    awaits_reply: bool,
) -> dict[str, Any]:
    """What a new event changes on its thread (``thread`` holds ``THREAD_ACTIVITY``).

    The one rule for every writer of events, row by row (``append_event``) or set-based
    (``receive_batch``): customer-facing events move the last activity and channel;
    messages set the preview; customer input that awaits a reply counts as unread,
    starts the wait and re-opens the thread."""
    changes: dict[str, Any] = {}
    # Until the first customer-facing event, last_activity_at is only the creation time:
    # a backdated first event (imports, resent terminal frames, demo data) still counts.
    first = thread["last_channel"] is None
    if direction is not None and (first or created_at >= thread["last_activity_at"]):
        changes["last_activity_at"] = created_at
        changes["last_channel"] = channel
    if type == MESSAGE and body:
        changes["last_message_preview"] = body[:PREVIEW_CHARS]
    if direction == IN and awaits_reply:
        changes["unread_count"] = (thread["unread_count"] or 0) + 1
        if thread["waiting_since"] is None:
            changes["waiting_since"] = created_at
        if thread["status"] != OPEN:
            changes["status"] = OPEN
            changes["resolved_at"] = None
    return changes


def _touch_thread(thread: Thread, event: Event, *, awaits_reply: bool) -> None:
    changes = thread_changes(
        {name: getattr(thread, name) for name in THREAD_ACTIVITY},
        type=event.type,
        channel=event.channel,
        direction=event.direction,
        body=event.body,
        created_at=event.created_at,
        awaits_reply=awaits_reply,
    )
    for name, value in changes.items():
        setattr(thread, name, value)
