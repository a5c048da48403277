"""``load_thread_view`` (the thread page's few plain-row queries) gives what the plain
ORM reads give: identities, details, CSAT, orders with items, resolutions, matches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actions.customers import create_customer
from hub.core import Hub
from hub.models import CsatSurvey, Detail, Event, Identity, Order, OrderItem
from hub.models.csat import ANSWERED, PENDING
from hub.models.thread import STATUS
from hub.queries.csat import thread_csat
from hub.queries.customers import suggested_matches
from hub.queries.thread_view import ORDERS_SHOWN, ThreadView, load_thread_view

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PHONE = "+15551230000"


async def seed(hub: Hub, *, typed_phone: bool) -> tuple[int, int, int]:
    """Dana (the page's customer), Lee (holds Dana's phone as a typed detail) and a
    merged-away customer; returns their ids."""
    async with hub.uow() as uow:
        dana, thread = await create_customer(uow, "Dana")
        lee, _ = await create_customer(uow, "Lee")
        gone, _ = await create_customer(uow, "Gone")
        await uow.session.flush()
        gone.merged_into_id = lee.id
        s = uow.session
        s.add(Identity(customer_id=dana.id, kind="phone", address=PHONE))
        s.add(Identity(customer_id=dana.id, kind="visitor", address="v-1", sms_opted_out=True))
        s.add(Identity(customer_id=dana.id, kind="email", address="dana@example.com"))
        s.add(Detail(customer_id=dana.id, key="order_number", value="W-1", channel="sms"))
        if typed_phone:
            s.add(Detail(customer_id=dana.id, key="phone", value="555 123 0000", channel="sms"))
        s.add(Detail(customer_id=lee.id, key="phone", value=PHONE, channel="webchat"))
        s.add(Detail(customer_id=gone.id, key="email", value="dana@example.com", channel="sms"))
        s.add(CsatSurvey(customer_id=dana.id, state=ANSWERED, score=4, answer_channel="sms"))
        s.add(CsatSurvey(customer_id=dana.id, state=ANSWERED, score=2, answered_at=T0))
        s.add(CsatSurvey(customer_id=dana.id, state=PENDING))
        for n in range(ORDERS_SHOWN + 3):
            order = Order(
                external_id=f"x-{typed_phone}-{n}",
                customer_id=dana.id,
                number=f"W-{n}",
                total_cents=100 + n,
                placed_at=T0 + timedelta(days=n % 7),
                pickup_location="Downtown" if n % 2 else None,
            )
            order.items = [OrderItem(name=f"item {n}.{i}", quantity=i + 1) for i in range(n % 3)]
            s.add(order)
        for n in range(8):
            s.add(
                Event(
                    customer_id=dana.id,
                    thread_id=thread.id,
                    type=STATUS,
                    channel="console",
                    body="Resolved" if n % 2 else "Reopened",
                    created_at=T0 + timedelta(hours=n),
                )
            )
    return dana.id, lee.id, gone.id


async def reference(session: AsyncSession, customer_id: int) -> dict[str, object]:
    """The panel read the plain way, one ORM query at a time."""
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
    orders = list(
        (
            await session.execute(
                select(Order)
                .where(Order.customer_id == customer_id)
                .order_by(Order.placed_at.desc(), Order.id.desc())
            )
        ).scalars()
    )
    resolved = (
        await session.execute(
            select(Event.created_at)
            .where(Event.customer_id == customer_id, Event.body == "Resolved")
            .order_by(Event.id.desc())
            .limit(5)
        )
    ).scalars()
    matches = await suggested_matches(session, customer_id, identities, details)
    return {
        "identities": [
            (i.id, i.kind, i.address, i.verification, i.sms_opted_out) for i in identities
        ],
        "details": [(d.id, d.key, d.value, d.channel, d.created_at) for d in details],
        "orders": [
            (
                o.id,
                o.number,
                o.total_cents,
                o.placed_at,
                o.pickup_location,
                o.currency,
                [(i.quantity, i.name) for i in o.items],
            )
            for o in orders[:ORDERS_SHOWN]
        ],
        "more": len(orders) - ORDERS_SHOWN,
        "resolved": list(resolved),
        "matches": [(m.id, m.name) for m in matches],
        "csat": await thread_csat(session, customer_id),
    }


def shown(view: ThreadView) -> dict[str, object]:
    p = view.panel
    return {
        "identities": [
            (i.id, i.kind, i.address, i.verification, i.sms_opted_out) for i in p.identities
        ],
        "details": [(d.id, d.key, d.value, d.channel, d.created_at) for d in p.details],
        "orders": [
            (
                o.id,
                o.number,
                o.total_cents,
                o.placed_at,
                o.pickup_location,
                o.currency,
                [(i.quantity, i.name) for i in o.items],
            )
            for o in p.orders
        ],
        "more": p.more_orders,
        "resolved": p.resolved,
        "matches": [(m.id, m.name) for m in p.suggested_matches],
        "csat": p.csat,
    }


async def test_thread_view_matches_the_plain_reads(hub: Hub) -> None:
    for typed_phone in (False, True):  # matches from SQL, then the Python lookup
        dana, lee, gone = await seed(hub, typed_phone=typed_phone)
        async with hub.read() as session:
            view = await load_thread_view(session, dana, 50)
            assert view is not None
            assert shown(view) == await reference(session, dana)
        assert lee in [m.id for m in view.panel.suggested_matches]
        assert view.customer.name == "Dana" and view.thread is not None
        assert view.thread.status == "open" and len(view.events) == 8
        async with hub.read() as session:
            assert await load_thread_view(session, gone, 50) is None
            assert await load_thread_view(session, 10**9, 50) is None
        async with hub.uow() as uow:  # the next round's phone is not shared
            for identity in (await uow.session.execute(select(Identity))).scalars():
                await uow.session.delete(identity)
