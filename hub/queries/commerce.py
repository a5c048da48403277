"""Reads for the shop's side of a thread: the SKUs it is about, a store's pickups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.commerce.port import PICKUP_PENDING, PICKUP_PICKED_UP, PICKUP_READY
from hub.models import Customer, Detail, Event, Order, OrderItem
from hub.models.thread import IN, MESSAGE

# Details whose value names a product the customer asked about.
SKU_DETAIL_KEYS = ("sku", "product_sku")
RECENT_ORDERS = 10
RECENT_MESSAGES = 20
MAX_SKUS = 8
# What a SKU typed in a message looks like: letters/digits in dash-joined parts, with
# at least one dash and one letter ("RUN-TRL-85", "sku BAG-DAY-20").
_SKU_IN_TEXT = re.compile(r"\b(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{2,}(?:-[A-Z0-9]+)+\b")


@dataclass(frozen=True)
class ThreadSkus:
    """SKUs the thread is about: ``known`` (ordered, or saved as a detail) and
    ``mentioned`` (SKU-like words in the customer's recent messages, which may not be
    SKUs at all: shown only when the shop knows them)."""

    known: list[str]
    mentioned: list[str] = field(default_factory=list)

    @property
    def all(self) -> list[str]:
        return [*self.known, *self.mentioned][:MAX_SKUS]


async def thread_skus(session: AsyncSession, customer_id: int) -> ThreadSkus:
    """The SKUs a customer's thread is about: the items of their newest orders, SKUs
    they asked about (details ``sku``), then SKU-like words in their recent messages;
    newest first, at most ``MAX_SKUS`` in all."""
    newest = (
        select(Order.id)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(RECENT_ORDERS)
        .scalar_subquery()
    )
    ordered = await session.execute(
        select(OrderItem.sku)
        .where(OrderItem.order_id.in_(newest), OrderItem.sku.is_not(None))
        .order_by(OrderItem.order_id.desc(), OrderItem.id)
    )
    asked = await session.execute(
        select(Detail.value)
        .where(Detail.customer_id == customer_id, Detail.key.in_(SKU_DETAIL_KEYS))
        .order_by(Detail.id.desc())
    )
    said = await session.execute(
        select(Event.body)
        .where(
            Event.customer_id == customer_id,
            Event.type == MESSAGE,
            Event.direction == IN,
            Event.body.is_not(None),
        )
        .order_by(Event.id.desc())
        .limit(RECENT_MESSAGES)
    )
    skus: dict[str, None] = {}
    for sku in [*ordered.scalars(), *asked.scalars()]:
        if sku and sku.strip():
            skus.setdefault(sku.strip()[:64], None)
    known = list(skus)[:MAX_SKUS]
    mentioned: dict[str, None] = {}
    for body in said.scalars():
        for word in _SKU_IN_TEXT.findall(body or ""):
            if word not in skus:
                mentioned.setdefault(word[:64], None)
    return ThreadSkus(known, list(mentioned)[: MAX_SKUS - len(known)])


@dataclass(frozen=True)
class Pickup:
    order_id: int
    number: str | None
    status: str
    customer_id: int | None
    customer_name: str | None
    items: list[tuple[int, str]]
    updated_at: datetime


async def pickups_at(
    session: AsyncSession, locations: tuple[str, ...], day_start: datetime
) -> list[Pickup]:
    """The pickup list of a store for the day: orders for pickup at one of
    ``locations`` (the store's name or code) waiting or ready, and those handed over
    since ``day_start``; ready first, then by number."""
    rows = await session.execute(
        select(Order, Customer.name)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .where(
            Order.pickup_location.in_(locations),
            or_(
                Order.pickup_status.in_((PICKUP_PENDING, PICKUP_READY)),
                (Order.pickup_status == PICKUP_PICKED_UP) & (Order.updated_at >= day_start),
            ),
        )
        .order_by(Order.id)
    )
    order_rank = {PICKUP_READY: 0, PICKUP_PENDING: 1, PICKUP_PICKED_UP: 2}
    found = [
        Pickup(
            order.id,
            order.number,
            order.pickup_status or PICKUP_PENDING,
            order.customer_id,
            name,
            [(i.quantity, i.name) for i in order.items],
            order.updated_at,
        )
        for order, name in rows.all()
    ]
    return sorted(found, key=lambda p: (order_rank.get(p.status, 3), p.number or ""))
