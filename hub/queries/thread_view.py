"""What the thread page shows beside and in its timeline, read in a few round trips.

Like ``hub.queries.customers.customer_card`` but bounded for the page: the newest
``ORDERS_SHOWN`` orders (with their items) plus a count of the rest, the customer's
satisfaction scores (``hub.queries.csat``), and no message list (the timeline is
beside it), so a customer with hundreds of orders renders as fast as one with three.

Queries (``load_thread_view``): one ``UNION ALL`` of plain rows for the customer, their
thread, identities, details, CSAT surveys, the latest resolutions, the suggested
matches found through the customer's own identities and the newest orders with their
items and count; the timeline page; suggested matches again, the Python way, only when
the customer typed a phone or email (``matches_need_lookup``). None of them grows with
the history.
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

from hub.db import UTCDateTime, utcnow
from hub.models import CsatSurvey, Customer, Detail, Event, Identity, Order, OrderItem, Thread
from hub.models.thread import CALL, IN, STATUS
from hub.queries.csat import Survey, ThreadCsat, csat_of
from hub.queries.customers import (
    matches_need_lookup,
    shared_identity_customers,
    suggested_matches,
)
from hub.queries.suggestions import (
    HINT_WINDOW,
    Suggestion,
    explain_matches,
    recent_chats_without_phone,
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
    # The matches with their reasons, details and last messages (``explain_matches``),
    # or, for a recent caller nobody claimed, recent web chats without a phone (weak).
    suggestions: list[Suggestion] = field(default_factory=list)


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
    pickup_status: str | None = None
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
    found = await _profile(session, customer_id)
    customer = found.customer
    if customer is None or customer.merged_into_id is not None:
        return None
    identities, details, matches = found.identities, found.details, found.matches
    events, cursor = await timeline_page(session, customer_id, limit=page_size)
    if matches_need_lookup(identities, details):
        matches = await suggested_matches(session, customer_id, identities, details)
    orders = sorted(found.orders.values(), key=lambda o: (o.placed_at, o.id), reverse=True)
    more = found.order_count - len(orders)
    suggestions = await explain_matches(session, customer_id, identities, details, matches)
    if not suggestions and _recent_caller(found.thread, events):
        suggestions = await recent_chats_without_phone(session, exclude_customer_id=customer_id)
    panel = Panel(
        identities, details, orders, more, found.resolved, matches, found.csat, suggestions
    )
    return ThreadView(customer, found.thread, panel, events, cursor)


def _recent_caller(thread: Thread | None, events: list[Event]) -> bool:
    """Whether the thread's newest event is an incoming call of the last 15 minutes."""
    if thread is None or not events:
        return False
    newest = events[0]
    return (
        newest.type == CALL
        and newest.direction == IN
        and utcnow() - newest.created_at < HINT_WINDOW
    )


TEXTS, INTS = 9, 4


def _row(
    source: str,
    row_id: Any,
    texts: tuple[Any, ...] = (),
    ints: tuple[Any, ...] = (),
    at: Any = None,
) -> Select[Any]:
    """One branch of the ``_profile`` union: ``(source, id, TEXTS texts, INTS ints,
    time)``, padded with typed NULLs."""
    columns = [literal(source), row_id, *texts]
    columns += [cast(null(), String)] * (TEXTS - len(texts))
    columns += [*ints, *[cast(null(), Integer)] * (INTS - len(ints))]
    columns.append(cast(null(), UTCDateTime()) if at is None else at)
    return select(*columns)


@cache
def _profile_query() -> CompoundSelect[Any]:
    """The ``_profile`` statement, built once (building it costs more than running it)."""
    customer = _row(
        "C", Customer.id, (Customer.name,), (Customer.merged_into_id,), Customer.erased_at
    ).where(Customer.id == CUSTOMER)
    thread = _row(
        "T", Thread.id, (Thread.status, Thread.last_channel), (Thread.assignee_id,)
    ).where(Thread.customer_id == CUSTOMER)
    identities = _row(
        "i",
        Identity.id,
        (Identity.kind, Identity.address, Identity.verification),
        (cast(Identity.sms_opted_out, Integer),),
        Identity.opted_out_at,
    ).where(Identity.customer_id == CUSTOMER)
    details = _row(
        "d",
        Detail.id,
        (Detail.key, Detail.value, Detail.channel, Detail.origin),
        (Detail.source_event_id,),
        Detail.created_at,
    ).where(Detail.customer_id == CUSTOMER)
    surveys = _row(
        "c",
        CsatSurvey.id,
        (CsatSurvey.state, CsatSurvey.answer_channel),
        (CsatSurvey.score, CsatSurvey.agent_id),
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
    resolutions = _row("r", latest.c.id, at=latest.c.created_at)
    matches = _row("m", Customer.id, (Customer.name,)).where(
        Customer.id.in_(shared_identity_customers(CUSTOMER)),
        Customer.id != CUSTOMER,
        Customer.merged_into_id.is_(None),
    )
    # The newest orders with their items, and how many orders there are (a scalar count
    # on the index: ``count() over ()`` sorts every order on SQLite).
    total = (
        select(func.count()).select_from(Order).where(Order.customer_id == CUSTOMER)
    ).scalar_subquery()
    newest = (
        select(Order)
        .where(Order.customer_id == CUSTOMER)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(ORDERS_SHOWN)
        .subquery()
    )
    o = newest.c
    orders = _row(
        "o",
        o.id,
        (
            o.number,
            o.external_id,
            o.source,
            o.store_code,
            o.status,
            o.pickup_location,
            o.currency,
            OrderItem.name,
            o.pickup_status,
        ),
        (o.total_cents, total, OrderItem.id, OrderItem.quantity),
        o.placed_at,
    ).select_from(newest.outerjoin(OrderItem, OrderItem.order_id == o.id))
    return union_all(customer, thread, identities, details, surveys, resolutions, matches, orders)


@dataclass
class _Profile:
    customer: Customer | None = None
    thread: Thread | None = None
    identities: list[Identity] = field(default_factory=list)
    details: list[Detail] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    resolved: list[datetime] = field(default_factory=list)
    matches: list[Customer] = field(default_factory=list)
    orders: dict[int, OrderView] = field(default_factory=dict)
    order_count: int = 0

    @property
    def csat(self) -> ThreadCsat:
        return csat_of(self.surveys)


async def _profile(session: AsyncSession, customer_id: int) -> _Profile:
    """In one ``UNION ALL`` of plain rows (``_row``): the customer and their thread,
    identities (by id), details (by id), CSAT surveys (newest first), when the latest
    conversations were resolved (newest first), the suggested matches found through the
    customer's own identities (by id) and the newest ``ORDERS_SHOWN`` orders with their
    items (by id) and the count of all orders.

    Resolutions are the status events ``set_thread_status`` writes on the console
    channel; filtering on the channel uses the (customer_id, channel) index, so a long
    message history is not scanned."""
    rows = (await session.execute(_profile_query(), {"customer_id": customer_id})).all()
    found = _Profile()
    # By id, and an order's items by item id.
    for row in sorted(rows, key=lambda r: (r[1], r[13] or 0)):
        src, row_id, a, b, c, d, e, f, g, h, k, n, m, _item_id, j, t = row
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
                    origin=d,
                    source_event_id=n,
                    created_at=t,
                )
            )
        elif src == "c":
            found.surveys.append((a, n, b, m, t))
        elif src == "r":
            found.resolved.append(t)
        elif src == "m":
            found.matches.append(Customer(id=row_id, name=a))
        else:
            order = found.orders.get(row_id)
            if order is None:
                order = found.orders[row_id] = OrderView(row_id, a, b, c, d, e, f, g, n, t, k)
                found.order_count = int(m)
            if h is not None:
                order.items.append(OrderItemView(j, h))
    found.surveys.reverse()
    found.resolved.reverse()
    return found
