"""Keeping the shop's orders and customers current in the hub (``hub.commerce``).

A shop connector hands what one webhook says to ``apply_shop_update`` (a redelivered
webhook is a no-op); the background jobs and ``hub commerce sync`` use
``sync_shop_order``. The shop
vouches for its customers' email and phone with its key, so they are stated as
verified; what links to whom is ``resolve_identity``'s rule, not the connector's.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from typing import Any, Literal

from sqlalchemy import select

from hub.actions.customers import normalize_or_invalid, resolve_identity
from hub.actions.orders import upsert_order
from hub.actions.replies import send_reply
from hub.actions.threads import add_note
from hub.commerce.port import (
    PICKUP_READY,
    PICKUP_STATUSES,
    OrderRefresh,
    PickupUpdate,
    ShopCustomer,
    ShopOrder,
    ShopUpdate,
)
from hub.core import UnitOfWork
from hub.db import add_if_new, utcnow
from hub.errors import HubError, Invalid
from hub.models import Customer, Identity, Order, OutboxJob, ProviderDelivery
from hub.models.customer import EMAIL, PHONE, VERIFIED

log = logging.getLogger(__name__)

SyncResult = Literal["created", "updated", "stale", "no_customer"]

# Outbox job kinds run by ``hub.policies.shop_sync``.
BACKFILL = "shop_backfill"
REFRESH = "shop_refresh"


async def claim_delivery(uow: UnitOfWork, source: str, delivery_id: str, topic: str) -> bool:
    """Record that ``source`` delivered ``delivery_id``; False when it already had (a
    redelivery: do nothing). The claim commits with the delivery's effect, so a failed
    delivery is not marked as seen and the provider's retry runs it again."""
    return await add_if_new(
        uow.session,
        ProviderDelivery(source=source, delivery_id=delivery_id[:128], topic=topic[:64]),
    )


async def _customer_for(uow: UnitOfWork, of: ShopOrder | ShopCustomer) -> Customer | None:
    """The customer a shop's order or customer record is, by its email (else phone),
    stated verified; the other address is attached as verified too when nobody holds
    it."""
    region = uow.settings.default_region
    addresses: list[tuple[str, str]] = []
    for kind, raw in ((EMAIL, of.email), (PHONE, of.phone)):
        if raw:
            try:
                addresses.append((kind, normalize_or_invalid(kind, raw, region)))
            except Invalid:
                log.info("shop record %s: unusable %s ignored", of.external_id, kind)
    if not addresses:
        return None
    kind, address = addresses[0]
    _, customer, _ = await resolve_identity(uow, kind, address, verified=True, name=of.name)
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
    kept_pickup = existing.pickup_location if existing is not None else None
    order, created = await upsert_order(
        uow,
        replace(
            shop_order,
            customer_id=customer_id,
            source="online",
            pickup_location=shop_order.pickup_location or kept_pickup,
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
    customer = await _customer_for(uow, shop_customer)
    if customer is not None and shop_customer.name and not customer.name:
        customer.name = shop_customer.name[:200]
    return customer


def with_customer(order: ShopOrder, *, email: str | None, phone: str | None) -> ShopOrder:
    """``order`` with the contact it was found by, when the shop left it out."""
    return replace(order, email=order.email or email, phone=order.phone or phone)


async def apply_shop_update(
    uow: UnitOfWork, source: str, delivery_id: str, topic: str, update: ShopUpdate | None
) -> str:
    """Apply one shop webhook, once per ``(source, delivery_id)``, in the caller's
    transaction (the delivery is claimed with its effect). ``update`` None: a topic the
    hub does not use (acknowledged). Returns ``duplicate``, ``ignored`` or what
    happened (``created``, ``updated``, ``stale``, ``no_customer``, ``pickup``,
    ``refresh``, ``customer``)."""
    if not await claim_delivery(uow, source, delivery_id, topic):
        return "duplicate"
    commerce = uow.hub.commerce
    if isinstance(update, ShopOrder):
        channel = commerce.channel if commerce is not None else source
        _, result = await sync_shop_order(uow, update, channel=channel)
        return result
    if isinstance(update, PickupUpdate):
        if await apply_pickup_status(
            uow, update.external_id, update.status, location=update.location
        ):
            return "pickup"
        # The fulfilment came before its order: read the order (with its pickup
        # status) from the shop once its own webhook has had its chance.
        await queue_refresh(uow, update.external_id, f"pickup:{delivery_id}")
        return "refresh"
    if isinstance(update, OrderRefresh):
        await queue_refresh(uow, update.external_id, update.reason)
        return "refresh"
    if isinstance(update, ShopCustomer):
        await sync_shop_customer(uow, update)
        return "customer"
    return "ignored"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


async def queue_job(uow: UnitOfWork, kind: str, key: str, payload: dict[str, Any]) -> bool:
    """Queue one outbox job unless one with this key exists; True when queued."""
    job = OutboxJob(kind=kind, key=f"{kind}:{key}"[:128], payload=payload)
    if not await add_if_new(uow.session, job):
        return False
    uow.on_commit(uow.hub.wake_outbox)
    return True


async def queue_backfills(uow: UnitOfWork, customer_id: int) -> int:
    """Queue a backfill for each verified email/phone of the customer not backfilled
    before; returns how many were queued."""
    result = await uow.session.execute(
        select(Identity.kind, Identity.address).where(
            Identity.customer_id == customer_id,
            Identity.kind.in_((EMAIL, PHONE)),
            Identity.verification == VERIFIED,
        )
    )
    queued = 0
    for kind, address in result.all():
        payload = {"customer_id": customer_id, "kind": kind, "address": address}
        queued += await queue_job(uow, BACKFILL, f"{kind}:{_digest(address)}", payload)
    return queued


async def queue_refresh(uow: UnitOfWork, external_id: str, reason: str) -> bool:
    return await queue_job(
        uow, REFRESH, f"{_digest(external_id)}:{reason}", {"external_id": external_id}
    )
