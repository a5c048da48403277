"""Reads for in-store terminals: the context card an associate sees for a customer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Customer, Event
from hub.models.thread import ASSIST
from hub.queries.customers import customer_card
from hub.serializers import (
    customer_dict,
    detail_dict,
    event_dict,
    identity_dict,
    order_dict,
    thread_dict,
)

# How many of the latest assist requests and answers the card carries.
RECENT_ASSISTS = 10


async def context_card(session: AsyncSession, customer: Customer) -> dict[str, Any]:
    """What the associate sees: identities, details, the last messages from every
    channel, orders online and in store with their items, the thread's status, and
    the latest assist requests and answers (so a terminal that was offline when an
    answer was pushed finds it here)."""
    card = await customer_card(session, customer, recent=20)
    assists = await session.execute(
        select(Event)
        .where(Event.customer_id == customer.id, Event.type == ASSIST)
        .order_by(Event.id.desc())
        .limit(RECENT_ASSISTS)
    )
    last_by_channel: dict[str, dict[str, Any]] = {}
    for message in card.recent_messages:
        last_by_channel.setdefault(message.channel, event_dict(message))
    return {
        **customer_dict(customer),
        "thread": thread_dict(card.thread) if card.thread else None,
        "identities": [identity_dict(i) for i in card.identities],
        "details": [detail_dict(d) for d in card.details],
        "recent_messages": [event_dict(m) for m in card.recent_messages],
        "last_message_by_channel": last_by_channel,
        "orders": [order_dict(o) for o in card.orders],
        "assists": [event_dict(a) for a in assists.scalars()],
    }
