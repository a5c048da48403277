"""Customers' threads for the REST API's ``GET /threads``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Customer, Thread


async def thread_page(
    session: AsyncSession, limit: int, before: tuple[datetime, int] | None, **equal: object
) -> tuple[list[tuple[Customer, Thread]], bool]:
    """Up to ``limit`` live customers with their thread, most recently active first
    (ties: newest thread first), and whether more follow. ``equal`` names thread
    columns and the value each must have (an empty value filters nothing); ``before``
    is the ``(last_activity_at, thread id)`` of the previous page's last row."""
    query = (
        select(Customer, Thread)
        .join(Thread, Thread.customer_id == Customer.id)
        .where(Customer.merged_into_id.is_(None))
    )
    for column, value in equal.items():
        if value:
            query = query.where(getattr(Thread, column) == value)
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
