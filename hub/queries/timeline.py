"""A customer's timeline, newest first, with keyset (cursor) pagination.

The cursor is the id of the last event returned; the next page is ``id < cursor``
on the ``(customer_id, id)`` index, so reading page N costs the same as page 1
however long the history is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Invalid
from hub.models import Event
from hub.models.thread import IN

MAX_PAGE = 200
MAX_SEARCH = 200


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
