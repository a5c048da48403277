"""What the context panel beside a thread shows, read in one session.

Like ``hub.queries.customers.customer_card`` but bounded for the page: the newest
``ORDERS_SHOWN`` orders (with their items) plus a count of the rest, the customer's
satisfaction scores (``hub.queries.csat``), and no message list (the timeline is
beside it), so a customer with hundreds of orders renders as fast as one with three.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from hub.models import Customer, Detail, Event, Identity, Order
from hub.models.thread import STATUS
from hub.queries.csat import ThreadCsat, thread_csat
from hub.queries.customers import suggested_matches

ORDERS_SHOWN = 20
CONSOLE = "console"
RESOLVED_SHOWN = 5


@dataclass
class Panel:
    identities: list[Identity]
    details: list[Detail]
    orders: list[Order]
    more_orders: int
    resolved: list[Event]
    suggested_matches: list[Customer]
    csat: ThreadCsat


async def load_panel(session: AsyncSession, customer_id: int) -> Panel:
    identities = list(
        (
            await session.execute(
                select(Identity).where(Identity.customer_id == customer_id).order_by(Identity.id)
            )
        ).scalars()
    )
    details = list(
        (
            await session.execute(
                select(Detail).where(Detail.customer_id == customer_id).order_by(Detail.id)
            )
        ).scalars()
    )
    # One round trip for the newest orders, their items and how many there are in all.
    rows = (
        (
            await session.execute(
                select(Order, func.count().over().label("total"))
                .where(Order.customer_id == customer_id)
                .order_by(Order.placed_at.desc(), Order.id.desc())
                .limit(ORDERS_SHOWN)
                .options(joinedload(Order.items))
            )
        )
        .unique()
        .all()
    )
    orders = [order for order, _ in rows]
    more = int(rows[0][1]) - len(orders) if rows else 0
    # Resolutions are the status events set_thread_status writes on the console
    # channel; filtering on the channel uses the (customer_id, channel) index, so a
    # long message history is not scanned.
    resolved = list(
        (
            await session.execute(
                select(Event)
                .where(
                    Event.customer_id == customer_id,
                    Event.channel == CONSOLE,
                    Event.type == STATUS,
                    Event.body == "Resolved",
                )
                .order_by(Event.id.desc())
                .limit(RESOLVED_SHOWN)
            )
        ).scalars()
    )
    matches = await suggested_matches(session, customer_id, identities, details)
    csat = await thread_csat(session, customer_id)
    return Panel(identities, details, orders, more, resolved, matches, csat)
