"""What the thread page shows beside and in its timeline, read in a few round trips.

Like ``hub.queries.customers.customer_card`` but bounded for the page: the newest
``ORDERS_SHOWN`` orders (with their items) plus a count of the rest, the customer's
satisfaction scores (``hub.queries.csat``), and no message list (the timeline is
beside it), so a customer with hundreds of orders renders as fast as one with three.

Queries (``load_thread_view``), plain rows but for the timeline's events: the customer,
their thread, identities, details, CSAT surveys, the latest resolutions and the
suggested matches found through the customer's own identities in one ``UNION ALL``;
the orders with their items and their count in one; the timeline page in one;
suggested matches again, the Python way, only when the customer typed a phone or
email (``matches_need_lookup``). None of them grows with the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import UTCDateTime
from hub.models import CsatSurvey, Customer, Detail, Event, Identity, Order, OrderItem, Thread
from hub.models.thread import STATUS
from hub.queries.csat import Survey, ThreadCsat, csat_of
from hub.queries.customers import (
    matches_need_lookup,
    shared_identity_customers,
    suggested_matches,
)
from hub.queries.timeline import timeline_page

ORDERS_SHOWN = 20
CONSOLE = "console"
RESOLVED_SHOWN = 5
# The statements below are built once, with the customer as a bound parameter.
CUSTOMER = bindparam("customer_id", type_=Integer)


@dataclass
class Panel:
    identities: list[Identity]
    details: list[Detail]
    orders: list[OrderView]
    more_orders: int
    resolved: list[datetime]  # when the latest conversations were resolved
    suggested_matches: list[Customer]
    csat: ThreadCsat


@dataclass(slots=True)
class OrderItemView:
    quantity: int
    name: str


@dataclass(slots=True)
class OrderView:
    """The columns of an ``Order`` the panel shows, with its items (by id)."""

    id: int
    number: str | None
    external_id: str
    source: str
    store_code: str | None
    status: str
    pickup_location: str | None
    currency: str
    total_cents: int
    placed_at: datetime
    items: list[OrderItemView] = field(default_factory=list)


@dataclass
class ThreadView:
    """The customer (columns ``id``, ``name``, ``erased_at``), their thread (``id``,
    ``status``, ``assignee_id``, ``last_channel``; None if they have none yet), the
    context panel and the timeline's newest page (newest first) with the cursor of the
    next, older page (None on the last), as ``hub.queries.timeline`` pages. The customer
    and thread are detached, read-only instances holding only those columns."""

    customer: Customer
    thread: Thread | None
    panel: Panel
    events: list[Event]
    cursor: str | None


async def load_thread_view(
    session: AsyncSession, customer_id: int, page_size: int
) -> ThreadView | None:
    """What the thread page shows, or None when there is no such live customer (missing
    or merged away)."""
    profile = await _profile(session, customer_id)
    customer = profile.customer
    if customer is None or customer.merged_into_id is not None:
        return None
    identities, details, matches = profile.identities, profile.details, profile.matches
    orders, more = await _orders(session, customer_id)
    events, cursor = await timeline_page(session, customer_id, limit=page_size)
    if matches_need_lookup(identities, details):
        matches = await suggested_matches(session, customer_id, identities, details)
    panel = Panel(identities, details, orders, more, profile.resolved, matches, profile.csat)
    return ThreadView(customer, profile.thread, panel, events, cursor)


@cache
def _orders_query() -> Select[Any]:
    """The ``_orders`` statement, built once."""
    total = (
        select(func.count()).select_from(Order).where(Order.customer_id == CUSTOMER)
    ).scalar_subquery()
    newest = (
        select(
            Order.id,
            Order.number,
            Order.external_id,
            Order.source,
            Order.store_code,
            Order.status,
            Order.pickup_location,
            Order.currency,
            Order.total_cents,
            Order.placed_at,
            total.label("total"),
        )
        .where(Order.customer_id == CUSTOMER)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(ORDERS_SHOWN)
        .subquery()
    )
    return (
        select(newest, OrderItem.quantity, OrderItem.name)
        .outerjoin(OrderItem, OrderItem.order_id == newest.c.id)
        .order_by(newest.c.placed_at.desc(), newest.c.id.desc(), OrderItem.id)
    )


async def _orders(session: AsyncSession, customer_id: int) -> tuple[list[OrderView], int]:
    """The newest ``ORDERS_SHOWN`` orders with their items, and how many more there are,
    in one round trip of plain rows (a scalar count on the index: ``count() over ()``
    sorts every order on SQLite)."""
    rows = (await session.execute(_orders_query(), {"customer_id": customer_id})).all()
    orders: dict[int, OrderView] = {}
    count = 0
    for row in rows:
        order = orders.get(row.id)
        if order is None:
            order = orders[row.id] = OrderView(*row[:10])
            count = int(row.total)
        if row.name is not None:
            order.items.append(OrderItemView(row.quantity, row.name))
    return list(orders.values()), count - len(orders)


@cache
def _profile_query() -> CompoundSelect[Any]:
    """The ``_profile`` statement, built once (building it costs more than running it)."""
    identities = select(
        literal("i").label("src"),
        Identity.id,
        Identity.kind.label("a"),
        Identity.address.label("b"),
        Identity.verification.label("c"),
        cast(Identity.sms_opted_out, Integer).label("n"),
        cast(null(), Integer).label("m"),
        Identity.opted_out_at.label("t"),
    ).where(Identity.customer_id == CUSTOMER)
    details = select(
        literal("d"),
        Detail.id,
        Detail.key,
        Detail.value,
        Detail.channel,
        Detail.source_event_id,
        cast(null(), Integer),
        Detail.created_at,
    ).where(Detail.customer_id == CUSTOMER)
    surveys = select(
        literal("c"),
        CsatSurvey.id,
        CsatSurvey.state,
        CsatSurvey.answer_channel,
        cast(null(), String),
        CsatSurvey.score,
        CsatSurvey.agent_id,
        CsatSurvey.answered_at,
    ).where(CsatSurvey.customer_id == CUSTOMER)
    latest = (
        select(Event.id, Event.created_at)
        .where(
            Event.customer_id == CUSTOMER,
            Event.channel == CONSOLE,
            Event.type == STATUS,
            Event.body == "Resolved",
        )
        .order_by(Event.id.desc())
        .limit(RESOLVED_SHOWN)
        .subquery()
    )
    resolutions = select(
        literal("r"),
        latest.c.id,
        cast(null(), String),
        cast(null(), String),
        cast(null(), String),
        cast(null(), Integer),
        cast(null(), Integer),
        latest.c.created_at,
    )
    matches = select(
        literal("m"),
        Customer.id,
        Customer.name,
        cast(null(), String),
        cast(null(), String),
        cast(null(), Integer),
        cast(null(), Integer),
        cast(null(), UTCDateTime()),
    ).where(
        Customer.id.in_(shared_identity_customers(CUSTOMER)),
        Customer.id != CUSTOMER,
        Customer.merged_into_id.is_(None),
    )
    customer = select(
        literal("C"),
        Customer.id,
        Customer.name,
        cast(null(), String),
        cast(null(), String),
        Customer.merged_into_id,
        cast(null(), Integer),
        Customer.erased_at,
    ).where(Customer.id == CUSTOMER)
    thread = select(
        literal("T"),
        Thread.id,
        Thread.status,
        Thread.last_channel,
        cast(null(), String),
        Thread.assignee_id,
        cast(null(), Integer),
        cast(null(), UTCDateTime()),
    ).where(Thread.customer_id == CUSTOMER)
    return union_all(customer, thread, identities, details, surveys, resolutions, matches)


@dataclass
class _Profile:
    customer: Customer | None = None
    thread: Thread | None = None
    identities: list[Identity] = field(default_factory=list)
    details: list[Detail] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    resolved: list[datetime] = field(default_factory=list)
    matches: list[Customer] = field(default_factory=list)

    @property
    def csat(self) -> ThreadCsat:
        return csat_of(self.surveys)


async def _profile(session: AsyncSession, customer_id: int) -> _Profile:
    """The customer and their thread, identities (by id), details (by id), CSAT surveys
    (newest first), when the latest conversations were resolved (newest first) and the
    suggested matches found through the customer's own identities (by id), in one
    ``UNION ALL`` of plain rows ``(source, id, text a, text b, text c, int n, int m,
    time t)``.

    Resolutions are the status events ``set_thread_status`` writes on the console
    channel; filtering on the channel uses the (customer_id, channel) index, so a long
    message history is not scanned."""
    rows = (await session.execute(_profile_query(), {"customer_id": customer_id})).all()
    found = _Profile()
    for src, row_id, a, b, c, n, m, t in sorted(rows, key=lambda r: r[1]):
        if src == "C":
            found.customer = Customer(id=row_id, name=a, merged_into_id=n, erased_at=t)
        elif src == "T":
            found.thread = Thread(
                id=row_id, customer_id=customer_id, status=a, last_channel=b, assignee_id=n
            )
        elif src == "i":
            found.identities.append(
                Identity(
                    id=row_id,
                    customer_id=customer_id,
                    kind=a,
                    address=b,
                    verification=c,
                    sms_opted_out=bool(n),
                    opted_out_at=t,
                )
            )
        elif src == "d":
            found.details.append(
                Detail(
                    id=row_id,
                    customer_id=customer_id,
                    key=a,
                    value=b,
                    channel=c,
                    source_event_id=n,
                    created_at=t,
                )
            )
        elif src == "c":
            found.surveys.append((a, n, b, m, t))
        elif src == "r":
            found.resolved.append(t)
        else:
            found.matches.append(Customer(id=row_id, name=a))
    found.surveys.reverse()
    found.resolved.reverse()
    return found
