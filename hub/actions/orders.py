"""Orders from the online shop (REST API) and the store POS."""

from __future__ import annotations

from sqlalchemy import select

from hub import events as ev
from hub.actions.customers import get_customer, get_thread, normalize_or_invalid, resolve_identity
from hub.actions.timeline import NewEvent, append_event
from hub.core import UnitOfWork
from hub.errors import Invalid
from hub.models import Order, OrderItem
from hub.models.customer import EMAIL, PHONE
from hub.models.order import ORDER_SOURCES
from hub.models.thread import PURCHASE
from hub.serializers import order_dict
from hub.types import ItemInput, OrderInput

# The purchase event's provider id is ``order:<external_id>`` in a 128-character column.
MAX_EXTERNAL_ID = 128 - len("order:")
MAX_NUMBER = 64

__all__ = ["ItemInput", "OrderInput", "upsert_order"]


async def upsert_order(
    uow: UnitOfWork,
    data: OrderInput,
    *,
    channel: str = "api",
    terminal_id: int | None = None,
) -> tuple[Order, bool]:
    """Create or update the order ``data.external_id``; returns ``(order, created)``.

    The customer is found by ``customer_id``, else by ``phone`` or ``email`` (created
    when unknown: the shop knows its buyer). Creating an order adds a ``purchase``
    event to the customer's timeline; sending the same payload again changes nothing.
    """
    if not data.external_id or len(data.external_id) > MAX_EXTERNAL_ID:
        raise Invalid(f"external_id is required (at most {MAX_EXTERNAL_ID} characters)")
    if data.source not in ORDER_SOURCES:
        raise Invalid(f"source must be one of {', '.join(ORDER_SOURCES)}")
    customer = None
    region = uow.settings.default_region
    if data.customer_id is not None:
        customer = await get_customer(uow.session, data.customer_id)
    elif data.phone or data.email:
        kind, raw = (PHONE, data.phone) if data.phone else (EMAIL, data.email)
        assert raw is not None
        address = normalize_or_invalid(kind, raw, region)
        _, customer, _ = await resolve_identity(uow, kind, address, verified=True, name=data.name)
    else:
        raise Invalid("an order needs customer_id, phone or email", code="no_customer")

    result = await uow.session.execute(select(Order).where(Order.external_id == data.external_id))
    order = result.scalar_one_or_none()
    created = order is None
    total = data.total_cents
    if total is None:
        total = sum(i.quantity * i.unit_price_cents for i in data.items)
    if order is None:
        order = Order(external_id=data.external_id)
        uow.session.add(order)
    changed = created or _differs(order, data, total, customer.id)
    order.customer_id = customer.id
    order.number = (data.number or data.external_id)[:MAX_NUMBER]
    order.source = data.source
    order.store_code = data.store_code
    order.status = data.status
    order.pickup_location = data.pickup_location
    order.currency = data.currency.upper()[:3]
    order.total_cents = total
    if data.placed_at is not None:
        order.placed_at = data.placed_at
    if created or data.items:
        items = [
            OrderItem(
                sku=i.sku,
                name=i.name,
                quantity=i.quantity,
                unit_price_cents=i.unit_price_cents,
                external_id=i.external_id,
            )
            for i in data.items
        ]
        if created or _items_differ(order, items):
            order.items = items
            changed = True
    await uow.session.flush()
    if created:
        thread = await get_thread(uow.session, customer.id)
        await append_event(
            uow,
            customer,
            thread,
            NewEvent(
                type=PURCHASE,
                channel=channel,
                body=f"Order {order.number} — {len(order.items)} item(s)",
                provider_id=f"order:{order.external_id}",
                terminal_id=terminal_id,
                data={
                    "order_id": order.id,
                    "source": order.source,
                    "store_code": order.store_code,
                    "total_cents": order.total_cents,
                    "currency": order.currency,
                },
                created_at=data.placed_at,
            ),
        )
    if changed:
        uow.emit(
            ev.DomainEvent(
                ev.ORDER_UPDATED,
                {"customer_id": customer.id, "order": order_dict(order), "created": created},
                customer.id,
            )
        )
    return order, created


def _differs(order: Order, data: OrderInput, total: int, customer_id: int) -> bool:
    return (
        order.customer_id != customer_id
        or order.status != data.status
        or order.pickup_location != data.pickup_location
        or order.total_cents != total
        or order.store_code != data.store_code
    )


def _items_differ(order: Order, items: list[OrderItem]) -> bool:
    def key(i: OrderItem) -> tuple[object, ...]:
        return (i.sku, i.name, i.quantity, i.unit_price_cents, i.external_id)

    return [key(i) for i in order.items] != [key(i) for i in items]
