"""The audit trail and the merges, read (the console's audit page)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.models import AuditEntry, Customer, Merge


async def recent_audit(session: AsyncSession, limit: int) -> list[AuditEntry]:
    """The latest ``limit`` audit entries, newest first."""
    found = await session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
    return list(found.scalars())


async def recent_merges(
    session: AsyncSession, limit: int
) -> list[tuple[Merge, str | None, str | None]]:
    """The latest ``limit`` merges, newest first, with the names of the customer merged
    away and of the one kept."""
    source, target = aliased(Customer), aliased(Customer)
    found = await session.execute(
        select(Merge, source.name, target.name)
        .join(source, source.id == Merge.source_customer_id)
        .join(target, target.id == Merge.target_customer_id)
        .order_by(Merge.id.desc())
        .limit(limit)
    )
    return [(merge, kept_away, kept) for merge, kept_away, kept in found]
