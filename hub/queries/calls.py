"""Read-only look-ups over call events: the phone queue, pending callbacks and
click-to-call retries.

All scan a small, bounded set of rows and check the JSON ``data`` in Python, so they
behave the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actions.calls import FINAL_STATUSES
from hub.actions.routing import QUEUE
from hub.db import utcnow
from hub.models import Event
from hub.models.thread import CALL, IN, OUT

# A queued caller leaves the queue (to voicemail) after the maximum wait; calls older
# than that plus this margin are not counted even if their final status never arrived.
QUEUE_MARGIN_SECONDS = 120
RECENT_OUTBOUND = 20
# Pending callbacks older than this are no longer offered (the thread still waits).
CALLBACK_HOURS = 24


async def queued_calls(session: AsyncSession, channel: str, max_wait_seconds: int) -> list[Event]:
    """Calls waiting in the queue right now, longest-waiting first: routed to the queue,
    not taken by an agent, not sent to voicemail, not turned into a callback, not ended."""
    since = utcnow() - timedelta(seconds=max_wait_seconds + QUEUE_MARGIN_SECONDS)
    result = await session.execute(
        select(Event)
        .where(
            Event.type == CALL,
            Event.channel == channel,
            Event.direction == IN,
            Event.created_at >= since,
        )
        .order_by(Event.id)
    )
    return [
        event
        for event in result.scalars()
        if ((event.data or {}).get("route") or {}).get("mode") == QUEUE
        and not (event.data or {}).get("voicemail")
        and not (event.data or {}).get("callback")
        and (event.status or "") not in FINAL_STATUSES
    ]


async def pending_callbacks(session: AsyncSession, channel: str) -> list[Event]:
    """Callbacks waiting for an agent, in the order their calls arrived (a callback
    keeps the caller's place in line), from the last ``CALLBACK_HOURS`` hours."""
    since = utcnow() - timedelta(hours=CALLBACK_HOURS)
    result = await session.execute(
        select(Event)
        .where(
            Event.type == CALL,
            Event.channel == channel,
            Event.direction == IN,
            Event.created_at >= since,
        )
        .order_by(Event.id)
    )
    return [
        event
        for event in result.scalars()
        if ((event.data or {}).get("callback") or {}).get("status") == "pending"
    ]


async def next_in_line(
    session: AsyncSession, channel: str, max_wait_seconds: int
) -> tuple[Event | None, int, int]:
    """The longest-waiting entry among queued callers and pending callbacks (by arrival),
    and how many of each wait."""
    queued = await queued_calls(session, channel, max_wait_seconds)
    callbacks = await pending_callbacks(session, channel)
    first = min([*queued, *callbacks], key=lambda e: e.id, default=None)
    return first, len(queued), len(callbacks)


async def find_outbound_call(
    session: AsyncSession, customer_id: int, agent_id: int, client_id: str
) -> Event | None:
    """The click-to-call ``agent_id`` already placed to ``customer_id`` with this
    ``client_id`` (the console's idempotency key), among their recent ones."""
    result = await session.execute(
        select(Event)
        .where(
            Event.type == CALL,
            Event.customer_id == customer_id,
            Event.agent_id == agent_id,
            Event.direction == OUT,
        )
        .order_by(Event.id.desc())
        .limit(RECENT_OUTBOUND)
    )
    return next((e for e in result.scalars() if (e.data or {}).get("client_id") == client_id), None)
