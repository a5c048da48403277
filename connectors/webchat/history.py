"""What a widget visitor may read: only the webchat messages of its own widget identities.

Visibility is decided by ``Event.identity_id``, never by customer: an asserted phone
or email, or an agent's merge, can link the visitor's customer to SMS, calls or
another browser's chats that agents see but this visitor must not.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.webchat.identity import Principal
from hub.actions.customers import get_customer
from hub.errors import NotFound
from hub.models import Event, Identity
from hub.port import MESSAGE
from hub.serializers import iso

HISTORY_LIMIT = 100


async def visitor_view(
    session: AsyncSession, channel: str, principal: Principal
) -> tuple[int | None, list[dict[str, Any]]]:
    """What a connecting widget is told: its customer (None before its first message)
    and the messages it may read."""
    identities = await widget_identities(session, principal.identities)
    speaking = next(
        (i for i in identities if (i.kind, i.address) == (principal.kind, principal.address)),
        None,
    )
    customer_id = await customer_of(session, speaking)
    return customer_id, await visible_messages(session, channel, [i.id for i in identities])


async def widget_identities(
    session: AsyncSession, pairs: tuple[tuple[str, str], ...]
) -> list[Identity]:
    """The stored identities among ``pairs`` (kind, address); unknown ones are skipped."""
    if not pairs:
        return []
    clauses = [and_(Identity.kind == k, Identity.address == a) for k, a in pairs]
    result = await session.execute(select(Identity).where(or_(*clauses)))
    found = {(i.kind, i.address): i for i in result.scalars()}
    return [found[p] for p in pairs if p in found]


async def customer_of(session: AsyncSession, identity: Identity | None) -> int | None:
    """The live customer behind ``identity`` (following merges), if any."""
    if identity is None:
        return None
    try:
        return (await get_customer(session, identity.customer_id)).id
    except NotFound:
        return None


async def visible_messages(
    session: AsyncSession, channel: str, identity_ids: list[int], limit: int = HISTORY_LIMIT
) -> list[dict[str, Any]]:
    """The last ``limit`` messages in or out through these identities, oldest first."""
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
    return [message_dict(e) for e in reversed(list(result.scalars()))]


def message_dict(event: Event) -> dict[str, Any]:
    """The widget's view of a message: no internal ids beyond the event id."""
    data = event.data or {}
    message = {
        "id": event.id,
        "client_id": data.get("client_id"),
        "direction": event.direction,
        "body": event.body,
        "agent_name": data.get("agent_name"),
        "created_at": iso(event.created_at),
    }
    if data.get("via") == "csat" and data.get("csat_survey_id") is not None:
        # A survey question: the widget shows the rating control from ``session.csat``
        # while it is pending, not this text.
        message["csat"] = {"survey_id": data["csat_survey_id"]}
    return message
