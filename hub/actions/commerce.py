"""Keeping the shop's orders and customers current in the hub (``hub.commerce``).

A shop connector hands what its webhooks and API say to these actions, inside
``hub.uow()``: ``claim_delivery`` first (a redelivered webhook is a no-op), then
``sync_shop_order``, ``apply_pickup_status`` or ``sync_shop_customer``. The shop
vouches for its customers' email and phone with its key, so they are stated as
verified; what links to whom is ``resolve_identity``'s rule, not the connector's.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.actions.customers import normalize_or_invalid, resolve_identity
from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.actions.replies import send_reply
from hub.actions.threads import add_note
from hub.commerce.port import (
    PICKUP_READY,
    PICKUP_STATUSES,
    ShopCustomer,
    ShopOrder,
)
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import HubError, Invalid
from hub.models import Customer, Order, ProviderDelivery
from hub.models.customer import EMAIL, PHONE

log = logging.getLogger(__name__)

SyncResult = Literal["created", "updated", "stale", "no_customer"]


async def claim_delivery(uow: UnitOfWork, source: str, delivery_id: str, topic: str) -> bool:
    """Record that ``source`` delivered ``delivery_id``; False when it already had (a
    redelivery: do nothing). The claim commits with the delivery's effect, so a failed
    delivery is not marked as seen and the provider's retry runs it again."""
    try:
        async with uow.session.begin_nested():
            uow.session.add(
                ProviderDelivery(source=source, delivery_id=delivery_id[:128], topic=topic[:64])
            )
            await uow.session.flush()
    except IntegrityError:
        return False
    return True


async def _customer_for(uow: UnitOfWork, order: ShopOrder) -> Customer | None:
    """The customer the shop's order belongs to, by its email (else phone), stated
    verified; the other address is attached as verified too when nobody holds it."""
    region = uow.settings.default_region
    addresses: list[tuple[str, str]] = []
    for kind, raw in ((EMAIL, order.email), (PHONE, order.phone)):
        if raw:
            try:
                addresses.append((kind, normalize_or_invalid(kind, raw, region)))
            except Invalid:
                log.info("shop order %s: unusable %s ignored", order.external_id, kind)
    if not addresses:
        return None
    kind, address = addresses[0]
    _, customer, _ = await resolve_identity(uow, kind, address, verified=True, name=order.name)
    for kind, address in addresses[1:]:
        await resolve_identity(uow, kind, address, verified=True, customer_id=customer.id)
    return customer


async def sync_shop_order(
    uow: UnitOfWork, shop_order: ShopOrder, *, channel: str
) -> tuple[Order | None, SyncResult]:
    """Create or update the hub's copy of ``shop_order``.

    A version older than the one stored (``updated_at``) changes nothing ("stale"):
    webhooks arrive out of order. The order's row is locked while it is compared and
    written. A pickup status never goes backwards, and when it becomes ready the
    customer is told once (``apply_pickup_status``). Returns ``(order, result)``.
    """
    existing = (
        await uow.session.execute(
            select(Order).where(Order.external_id == shop_order.external_id).with_for_update()
        )
    ).scalar_one_or_none()
    if (
        existing is not None
        and existing.shop_updated_at is not None
        and existing.shop_updated_at > shop_order.updated_at
    ):
        return existing, "stale"
    if existing is not None and existing.customer_id is not None:
        customer_id = existing.customer_id
    else:
        customer = await _customer_for(uow, shop_order)
        if customer is None:
            return None, "no_customer"
        customer_id = customer.id
    order, created = await upsert_order(
        uow,
        OrderInput(
            external_id=shop_order.external_id,
            customer_id=customer_id,
            number=shop_order.number,
            source="online",
            status=shop_order.status,
            pickup_location=shop_order.pickup_location
            or (existing.pickup_location if existing is not None else None),
            currency=shop_order.currency,
            total_cents=shop_order.total_cents,
            placed_at=shop_order.placed_at,
            items=tuple(
                ItemInput(
                    name=i.name,
                    quantity=i.quantity,
                    unit_price_cents=i.unit_price_cents,
                    sku=i.sku,
                    external_id=i.external_id,
                )
                for i in shop_order.items
            ),
        ),
        channel=channel,
    )
    order.shop_updated_at = shop_order.updated_at
    order.fulfillment_status = shop_order.fulfillment_status
    if shop_order.shipping_address is not None:
        order.shipping_address = dict(shop_order.shipping_address)
    if shop_order.pickup_status is not None:
        await _advance_pickup(uow, order, shop_order.pickup_status)
    await uow.session.flush()
    return order, "created" if created else "updated"


async def apply_pickup_status(
    uow: UnitOfWork, external_id: str, status: str, *, location: str | None = None
) -> Order | None:
    """The shop says order ``external_id`` is now ``status`` (pending, ready,
    picked_up) for pickup, at ``location`` when given. None when the hub does not have
    the order (yet: its orders/create webhook will bring it)."""
    order = (
        await uow.session.execute(
            select(Order).where(Order.external_id == external_id).with_for_update()
        )
    ).scalar_one_or_none()
    if order is None:
        return None
    if location:
        order.pickup_location = location[:200]
    await _advance_pickup(uow, order, status)
    await uow.session.flush()
    return order


async def _advance_pickup(uow: UnitOfWork, order: Order, status: str) -> None:
    if status not in PICKUP_STATUSES:
        raise Invalid(f"unknown pickup status {status!r}")
    current = PICKUP_STATUSES.index(order.pickup_status) if order.pickup_status else -1
    if PICKUP_STATUSES.index(status) <= current:
        return
    order.pickup_status = status
    if status == PICKUP_READY and order.pickup_notified_at is None:
        await _tell_ready_for_pickup(uow, order)


async def _tell_ready_for_pickup(uow: UnitOfWork, order: Order) -> None:
    """Tell the customer on the channel they last used, once per order (the order row
    is locked by the caller; ``pickup_notified_at`` marks it told)."""
    if not uow.settings.pickup_notifications or order.customer_id is None:
        return
    order.pickup_notified_at = utcnow()
    where = f" at {order.pickup_location}" if order.pickup_location else ""
    body = f"Good news: your order {order.number} is ready for pickup{where}."
    try:
        async with uow.session.begin_nested():
            await send_reply(
                uow,
                order.customer_id,
                body,
                via="commerce",
                data={"order_id": order.id, "notice": "pickup_ready"},
            )
    except HubError as exc:
        await add_note(
            uow,
            order.customer_id,
            f"Order {order.number} is ready for pickup{where}; the customer could not be "
            f"told automatically: {exc.message}",
            channel="console",
        )


async def sync_shop_customer(uow: UnitOfWork, shop_customer: ShopCustomer) -> Customer | None:
    """The shop's customer record changed: their email and phone are verified
    identities (attached by ``resolve_identity``'s rule). Returns the customer, or None
    when the record has no usable address."""
    fake = ShopOrder(
        external_id=shop_customer.external_id,
        updated_at=utcnow(),
        email=shop_customer.email,
        phone=shop_customer.phone,
        name=shop_customer.name,
    )
    customer = await _customer_for(uow, fake)
    if customer is not None and shop_customer.name and not customer.name:
        customer.name = shop_customer.name[:200]
    return customer


def with_customer(order: ShopOrder, *, email: str | None, phone: str | None) -> ShopOrder:
    """``order`` with the contact it was found by, when the shop left it out."""
    return replace(order, email=order.email or email, phone=order.phone or phone)
