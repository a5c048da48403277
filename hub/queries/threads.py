"""Customers' threads for the REST API's ``GET /threads``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Customer, Thread


async def thread_page(
    session: AsyncSession,
    *,
    limit: int,
    status: str | None = None,
    channel: str | None = None,
    assignee_id: int | None = None,
    before: tuple[datetime, int] | None = None,
) -> tuple[list[tuple[Customer, Thread]], bool]:
    """Up to ``limit`` live customers with their thread, most recently active first
    (ties: newest thread first), and whether more follow. Filters combine with AND;
    ``before`` is the ``(last_activity_at, thread id)`` of the previous page's last row."""
    query = (
        select(Customer, Thread)
        .join(Thread, Thread.customer_id == Customer.id)
        .where(Customer.merged_into_id.is_(None))
    )
    if status:
        query = query.where(Thread.status == status)
    if channel:
        query = query.where(Thread.last_channel == channel)
    if assignee_id:
        query = query.where(Thread.assignee_id == assignee_id)
    if before is not None:
        when, ident = before
        query = query.where(
            or_(
                Thread.last_activity_at < when,
                and_(Thread.last_activity_at == when, Thread.id < ident),
            )
        )
    query = query.order_by(Thread.last_activity_at.desc(), Thread.id.desc()).limit(limit + 1)
    rows = [(c, t) for c, t in (await session.execute(query)).all()]
    return rows[:limit], len(rows) > limit
