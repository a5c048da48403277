"""Bulk writes for ``hub import``: many brand-new customers or orders in a few statements.

``hub.imports`` sends a row here only when a batch-wide lookup showed that nothing it
touches exists yet (no identity of the customer; no order with that external id, and
a known customer for the order), which is the bulk of a first import. The rows then
get exactly what the per-row actions would write — a customer with its open thread,
verified identities and details; an order with its items and its ``purchase``
timeline event (provider id ``order:<external_id>``) — in a handful of INSERTs
instead of a dozen round trips each. Everything else (updates, merges into existing
customers, conflicts) goes through ``resolve_identity``/``add_identity``/
``record_detail``/``upsert_order`` row by row. Should another writer insert the same
identity or order meanwhile, the unique constraints fail the flush and the caller
rolls the savepoint back and redoes the rows one by one.

No domain events are emitted for imported rows: nobody is watching a customer that
did not exist a moment ago, and an import must not fire a webhook per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hub.actions.orders import OrderInput
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.models import Customer, Detail, Event, Identity, Order, OrderItem, Thread
from hub.models.customer import VERIFIED
from hub.models.thread import PURCHASE


@dataclass(frozen=True)
class NewCustomer:
    """A validated customer row: normalised identities and cleaned details."""

    name: str | None
    identities: tuple[tuple[str, str], ...]
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NewOrder:
    """A validated order row for an existing customer (and thread)."""

    data: OrderInput
    customer_id: int
    thread_id: int
    total_cents: int
    items: tuple[OrderItem, ...] = field(default_factory=tuple)


async def create_customers_bulk(
    uow: UnitOfWork, rows: list[NewCustomer], *, channel: str
) -> list[Customer]:
    """Insert new customers with threads, verified identities and details."""
    session = uow.session
    now = utcnow()
    customers = [
        Customer(name=row.name[:200] if row.name else None, created_at=now, updated_at=now)
        for row in rows
    ]
    session.add_all(customers)
    await session.flush()
    for customer, row in zip(customers, rows, strict=True):
        session.add(Thread(customer_id=customer.id, created_at=now, last_activity_at=now))
        for kind, address in row.identities:
            session.add(
                Identity(
                    customer_id=customer.id,
                    kind=kind,
                    address=address,
                    verification=VERIFIED,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        for key, value in row.details:
            session.add(
                Detail(
                    customer_id=customer.id, key=key, value=value, channel=channel, created_at=now
                )
            )
    await session.flush()
    return customers


async def create_orders_bulk(uow: UnitOfWork, rows: list[NewOrder], *, channel: str) -> list[Order]:
    """Insert new orders with their items and ``purchase`` events."""
    session = uow.session
    now = utcnow()
    orders = []
    for row in rows:
        data = row.data
        order = Order(
            external_id=data.external_id,
            customer_id=row.customer_id,
            number=(data.number or data.external_id)[:64],
            source=data.source,
            store_code=data.store_code,
            status=data.status,
            pickup_location=data.pickup_location,
            currency=data.currency.upper()[:3],
            total_cents=row.total_cents,
            placed_at=data.placed_at or now,
            created_at=now,
            updated_at=now,
        )
        order.items = list(row.items)
        orders.append(order)
    session.add_all(orders)
    await session.flush()
    for order, row in zip(orders, rows, strict=True):
        when: datetime = row.data.placed_at or now
        session.add(
            Event(
                customer_id=row.customer_id,
                thread_id=row.thread_id,
                type=PURCHASE,
                channel=channel,
                body=f"Order {order.number} — {len(row.items)} item(s)",
                provider_id=f"order:{order.external_id}",
                data={
                    "order_id": order.id,
                    "source": order.source,
                    "store_code": order.store_code,
                    "total_cents": order.total_cents,
                    "currency": order.currency,
                },
                created_at=when,
                updated_at=when,
            )
        )
    await session.flush()
    return orders
