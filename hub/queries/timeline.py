"""A customer's timeline, newest first, with keyset (cursor) pagination.

The cursor is the id of the last event returned; the next page is ``id < cursor``
on the ``(customer_id, id)`` index, so reading page N costs the same as page 1
however long the history is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Invalid
from hub.models import Event
from hub.models.thread import IN

MAX_PAGE = 200
MAX_SEARCH = 200


async def event_on_timeline(session: AsyncSession, customer_id: int, event_id: int) -> Event | None:
    """Event ``event_id`` when it is on the customer's timeline, else None."""
    event = await session.get(Event, event_id)
    return event if event is not None and event.customer_id == customer_id else None


def parse_cursor(cursor: str | None) -> int | None:
    if cursor in (None, ""):
        return None
    assert cursor is not None
    if not cursor.isdigit() or len(cursor) > 19:
        raise Invalid("before must be a cursor returned as `next`", code="invalid_cursor")
    return int(cursor)


async def timeline_page(
    session: AsyncSession,
    customer_id: int,
    *,
    limit: int = 50,
    before: int | None = None,
    types: tuple[str, ...] | None = None,
    search: str | None = None,
) -> tuple[list[Event], str | None]:
    """Up to ``limit`` events of the customer, newest first, and the cursor of the next
    (older) page or None when this is the last. ``search`` keeps the events whose text
    or call transcript contains it (case-insensitive)."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE}", code="invalid_limit")
    query = select(Event).where(Event.customer_id == customer_id)
    if before is not None:
        query = query.where(Event.id < before)
    if types:
        query = query.where(Event.type.in_(types))
    if search:
        if len(search) > MAX_SEARCH:
            raise Invalid(f"q must be at most {MAX_SEARCH} characters", code="invalid_query")
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Event.body.ilike(pattern, escape="\\"),
                Event.data["transcript"].as_string().ilike(pattern, escape="\\"),
            )
        )
    query = query.order_by(Event.id.desc()).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].id) if more and rows else None)


async def last_inbound_at(
    session: AsyncSession, customer_id: int, channel: str, identity_id: int | None = None
) -> datetime | None:
    """When the customer last wrote on ``channel`` (from ``identity_id`` when given), or
    None. Channels with a reply window (WhatsApp's 24 hours) measure it from here."""
    query = select(func.max(Event.created_at)).where(
        Event.customer_id == customer_id, Event.channel == channel, Event.direction == IN
    )
    if identity_id is not None:
        query = query.where(Event.identity_id == identity_id)
    found: datetime | None = await session.scalar(query)
    return found


async def latest_inbound(session: AsyncSession, customer_id: int, channel: str) -> Event | None:
    """The customer's latest input on ``channel``."""
    found = await session.execute(
        select(Event)
        .where(Event.customer_id == customer_id, Event.channel == channel, Event.direction == IN)
        .order_by(Event.id.desc())
        .limit(1)
    )
    return found.scalar_one_or_none()


async def event_data_after(
    session: AsyncSession, channel: str, after_id: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """``(id, data)`` of the next ``limit`` events of ``channel`` after ``after_id``, in
    id order (to walk a channel's whole history in batches)."""
    rows = await session.execute(
        select(Event.id, Event.data)
        .where(Event.channel == channel, Event.id > after_id)
        .order_by(Event.id)
        .limit(limit)
    )
    return [(event_id, data or {}) for event_id, data in rows]
