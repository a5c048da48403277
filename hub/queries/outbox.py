"""What the outbox worker (``hub.workers.outbox``) reads: the message a delivery job sends."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Agent, Event, Identity
from hub.types import Media, Outbound


async def outbound_message(session: AsyncSession, event_id: int) -> Outbound | None:
    """Event ``event_id`` as the ``Outbound`` its connector sends; None when the event or
    the identity it goes to is gone (erased)."""
    event = await session.get(Event, event_id)
    if event is None or event.identity_id is None:
        return None
    identity = await session.get(Identity, event.identity_id)
    if identity is None:
        return None
    agent = await session.get(Agent, event.agent_id) if event.agent_id else None
    media = tuple(
        Media(m["url"], m.get("content_type")) for m in (event.data or {}).get("media", [])
    )
    return Outbound(
        event_id=event.id,
        customer_id=event.customer_id,
        channel=event.channel,
        kind=identity.kind,
        address=identity.address,
        body=event.body or "",
        agent_name=agent.name if agent else None,
        media=media,
        data=dict(event.data or {}),
    )
