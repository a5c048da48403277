"""What a web chat visitor may read: only the messages of its own widget identities.

Visibility is decided by ``Event.identity_id``, never by customer: an asserted phone
or email, or an agent's merge, can link the visitor's customer to SMS, calls or
another browser's chats that agents see but this visitor must not.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Event, Identity
from hub.models.thread import MESSAGE
from hub.types import IdentityKey


async def widget_identities(session: AsyncSession, keys: Sequence[IdentityKey]) -> list[Identity]:
    """The stored identities among ``keys`` (kind, address), in their order; unknown
    ones are skipped."""
    if not keys:
        return []
    clauses = [and_(Identity.kind == k, Identity.address == a) for k, a in keys]
    result = await session.execute(select(Identity).where(or_(*clauses)))
    found = {(i.kind, i.address): i for i in result.scalars()}
    return [found[key] for key in keys if key in found]


async def visible_messages(
    session: AsyncSession, channel: str, identity_ids: list[int], limit: int
) -> list[Event]:
    """The last ``limit`` messages on ``channel`` in or out through these identities,
    oldest first."""
    if not identity_ids:
        return []
    result = await session.execute(
        select(Event)
        .where(
            Event.channel == channel,
            Event.type == MESSAGE,
            Event.identity_id.in_(identity_ids),
        )
        .order_by(Event.id.desc())
        .limit(limit)
    )
    return list(reversed(list(result.scalars())))


async def addresses_of(
    session: AsyncSession, customer_id: int, kinds: Sequence[str]
) -> list[IdentityKey]:
    """The customer's identities of ``kinds``, as ``(kind, address)``."""
    result = await session.execute(
        select(Identity.kind, Identity.address).where(
            Identity.customer_id == customer_id, Identity.kind.in_(kinds)
        )
    )
    return [(kind, address) for kind, address in result.all()]
