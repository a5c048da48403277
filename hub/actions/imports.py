"""Bulk writes for ``hub import``: many brand-new customers or orders in a few statements.

``hub.csv_import.run`` sends a row here only when a batch-wide lookup showed that nothing it
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

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

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


async def create_customers_bulk(
    uow: UnitOfWork, rows: list[NewCustomer], *, channel: str
) -> list[int]:
    """Insert new customers with threads, verified identities and details; their ids."""
    session = uow.session
    now = utcnow()
    result = await session.execute(
        insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
        [
            {"name": row.name[:200] if row.name else None, "created_at": now, "updated_at": now}
            for row in rows
        ],
    )
    ids = list(result.scalars())
    await session.execute(
        insert(Thread),
        [
            {"customer_id": customer_id, "created_at": now, "last_activity_at": now}
            for customer_id in ids
        ],
    )
    identities = [
        {
            "customer_id": customer_id,
            "kind": kind,
            "address": address,
            "verification": VERIFIED,
            "created_at": now,
            "last_seen_at": now,
        }
        for customer_id, row in zip(ids, rows, strict=True)
        for kind, address in row.identities
    ]
    await session.execute(insert(Identity), identities)
    details = [
        {
            "customer_id": customer_id,
            "key": key,
            "value": value,
            "channel": channel,
            "created_at": now,
        }
        for customer_id, row in zip(ids, rows, strict=True)
        for key, value in row.details
    ]
    if details:
        await session.execute(insert(Detail), details)
    return ids


async def create_orders_bulk(uow: UnitOfWork, rows: list[NewOrder], *, channel: str) -> list[int]:
    """Insert new orders with their items and ``purchase`` events; the orders' ids."""
    session = uow.session
    now = utcnow()
    values = []
    for row in rows:
        data = row.data
        values.append(
            {
                "external_id": data.external_id,
                "customer_id": row.customer_id,
                "number": (data.number or data.external_id)[:64],
                "source": data.source,
                "store_code": data.store_code,
                "status": data.status,
                "pickup_location": data.pickup_location,
                "currency": data.currency.upper()[:3],
                "total_cents": row.total_cents,
                "placed_at": data.placed_at or now,
                "data": {},
                "created_at": now,
                "updated_at": now,
            }
        )
    result = await session.execute(
        insert(Order).returning(Order.id, sort_by_parameter_order=True), values
    )
    ids = list(result.scalars())
    items = [
        {
            "order_id": order_id,
            "sku": item.sku,
            "name": item.name,
            "quantity": item.quantity,
            "unit_price_cents": item.unit_price_cents,
        }
        for order_id, row in zip(ids, rows, strict=True)
        for item in row.data.items
    ]
    if items:
        await session.execute(insert(OrderItem), items)
    events = []
    for order_id, row, value in zip(ids, rows, values, strict=True):
        when: datetime = row.data.placed_at or now
        events.append(
            {
                "customer_id": row.customer_id,
                "thread_id": row.thread_id,
                "type": PURCHASE,
                "channel": channel,
                "body": f"Order {value['number']} — {len(row.data.items)} item(s)",
                "provider_id": f"order:{row.data.external_id}",
                "data": {
                    "order_id": order_id,
                    "source": value["source"],
                    "store_code": value["store_code"],
                    "total_cents": value["total_cents"],
                    "currency": value["currency"],
                },
                "created_at": when,
                "updated_at": when,
            }
        )
    await session.execute(insert(Event), events)
    return ids


async def name_customers(uow: UnitOfWork, names: dict[int, str]) -> None:
    """Name the unnamed customers among ``names`` (customer id → buyer name), as
    ``upsert_order`` does through ``resolve_identity``."""
    if not names:
        return
    unnamed = await uow.session.execute(
        select(Customer).where(Customer.id.in_(list(names)), Customer.name.is_(None))
    )
    for customer in unnamed.scalars():
        customer.name = names[customer.id].strip()[:200] or None
    await uow.session.flush()


async def verify_identities(uow: UnitOfWork, keys: set[tuple[str, str]]) -> None:
    """Mark the identities ``(kind, address)`` verified: the shop's own order data
    vouches for its buyer, as in ``upsert_order``."""
    for kind in sorted({kind for kind, _ in keys}):
        addresses = [address for k, address in keys if k == kind]
        await uow.session.execute(
            update(Identity)
            .where(
                Identity.kind == kind,
                Identity.address.in_(addresses),
                Identity.verification != VERIFIED,
            )
            .values(verification=VERIFIED)
        )
