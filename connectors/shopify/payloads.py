"""Shopify's shapes → the hub's commerce dataclasses (pure functions, no I/O).

Webhooks carry Shopify's REST-style JSON (snake_case, numeric ids); the Admin GraphQL
API answers camelCase nodes with ``gid://shopify/<Type>/<id>`` ids. Both become a
``ShopOrder`` whose ``external_id`` is ``shopify:<order id>``.

Pickup: an order whose shipping line is Shopify's local pickup (its code, title or
delivery category says "pickup") is a pickup order at the location its title names;
a fulfilment whose shipment status is ``ready_for_pickup`` / ``picked_up`` moves it on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.commerce.port import (
    ADDRESS_FIELDS,
    PICKUP_PENDING,
    PICKUP_PICKED_UP,
    PICKUP_READY,
    ShopCustomer,
    ShopOrder,
)
from hub.types import ItemInput

PREFIX = "shopify:"


def external_id(order_id: object) -> str:
    return f"{PREFIX}{order_id}"


def numeric_id(value: object) -> str:
    """``gid://shopify/Order/42`` or ``42`` → ``"42"``."""
    return str(value).rsplit("/", 1)[-1]


def gid(kind: str, external: str) -> str:
    """The GraphQL id of the hub's ``shopify:<id>``."""
    return f"gid://shopify/{kind}/{external.removeprefix(PREFIX)}"


def cents(amount: object) -> int:
    try:
        return int((Decimal(str(amount)) * 100).to_integral_value())
    except (InvalidOperation, ValueError):
        return 0


def when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _status(cancelled: object, fulfillment: str | None, financial: str | None) -> str:
    if cancelled:
        return "cancelled"
    if fulfillment == "fulfilled":
        return "fulfilled"
    return (financial or "placed").lower()[:32]


def _pickup_location(line: dict[str, Any] | None) -> str | None:
    if not isinstance(line, dict):
        return None
    said = " ".join(
        str(line.get(k) or "") for k in ("code", "title", "delivery_category", "source")
    ).lower()
    if "pickup" not in said and "pick up" not in said:
        return None
    title = str(line.get("title") or line.get("code") or "").strip()
    for prefix in ("Pickup at ", "Pick up at ", "Pickup: "):
        title = title.removeprefix(prefix)
    return title[:200] or None


def _address(raw: object) -> dict[str, str] | None:
    if not isinstance(raw, dict):
        return None
    return {k: str(raw[k]) for k in ADDRESS_FIELDS if raw.get(k)}


def _name(customer: dict[str, Any] | None) -> str | None:
    if not isinstance(customer, dict):
        return None
    name = customer.get("displayName") or " ".join(
        p for p in (customer.get("first_name"), customer.get("last_name")) if p
    )
    return str(name)[:200] or None


def order_from_webhook(payload: dict[str, Any]) -> ShopOrder:
    """An ``orders/create|updated|cancelled`` payload."""
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else None
    fulfillment = payload.get("fulfillment_status")
    lines = payload.get("shipping_lines") or []
    pickup_at = next((loc for line in lines if (loc := _pickup_location(line))), None)
    updated = when(payload.get("updated_at")) or when(payload.get("created_at"))
    if updated is None:
        raise ValueError("an order payload has updated_at")
    return ShopOrder(
        external_id=external_id(payload["id"]),
        updated_at=updated,
        number=str(payload.get("name") or payload.get("order_number") or "")[:64] or None,
        email=payload.get("email") or (customer or {}).get("email"),
        phone=payload.get("phone") or (customer or {}).get("phone"),
        name=_name(customer),
        status=_status(payload.get("cancelled_at"), fulfillment, payload.get("financial_status")),
        fulfillment_status=str(fulfillment)[:32] if fulfillment else None,
        currency=str(payload.get("currency") or "USD")[:3].upper(),
        total_cents=cents(payload.get("total_price", 0)),
        placed_at=when(payload.get("created_at")),
        items=tuple(
            ItemInput(
                name=str(i.get("name") or i.get("title") or "Item")[:300],
                quantity=int(i.get("quantity") or 1),
                unit_price_cents=cents(i.get("price", 0)),
                sku=(str(i["sku"])[:64] if i.get("sku") else None),
                external_id=str(i["id"]) if i.get("id") is not None else None,
            )
            for i in payload.get("line_items") or []
            if isinstance(i, dict)
        ),
        pickup_location=pickup_at,
        pickup_status=(
            (PICKUP_PICKED_UP if fulfillment == "fulfilled" else PICKUP_PENDING)
            if pickup_at
            else None
        ),
        shipping_address=_address(payload.get("shipping_address")),
    )


def order_from_node(node: dict[str, Any]) -> ShopOrder:
    """An ``Order`` node of the Admin GraphQL API (``queries.ORDER_FIELDS``)."""
    customer = node.get("customer") if isinstance(node.get("customer"), dict) else None
    fulfillment = (node.get("displayFulfillmentStatus") or "").lower() or None
    pickup_at = _pickup_location(node.get("shippingLine"))
    statuses = {
        str(f.get("displayStatus") or "").lower()
        for f in node.get("fulfillments") or []
        if isinstance(f, dict)
    }
    pickup = None
    if pickup_at:
        pickup = PICKUP_PENDING
        if "ready_for_pickup" in statuses:
            pickup = PICKUP_READY
        if "picked_up" in statuses or fulfillment == "fulfilled":
            pickup = PICKUP_PICKED_UP
    total = (node.get("totalPriceSet") or {}).get("shopMoney") or {}
    updated = when(node.get("updatedAt")) or when(node.get("createdAt"))
    if updated is None:
        raise ValueError("an order node has updatedAt")
    return ShopOrder(
        external_id=external_id(numeric_id(node["id"])),
        updated_at=updated,
        number=str(node.get("name") or "")[:64] or None,
        email=node.get("email") or (customer or {}).get("email"),
        phone=node.get("phone") or (customer or {}).get("phone"),
        name=_name(customer),
        status=_status(node.get("cancelledAt"), fulfillment, node.get("displayFinancialStatus")),
        fulfillment_status=fulfillment,
        currency=str(node.get("currencyCode") or total.get("currencyCode") or "USD")[:3],
        total_cents=cents(total.get("amount", 0)),
        placed_at=when(node.get("createdAt")),
        items=tuple(
            ItemInput(
                name=str(i.get("name") or "Item")[:300],
                quantity=int(i.get("quantity") or 1),
                unit_price_cents=cents(
                    ((i.get("originalUnitPriceSet") or {}).get("shopMoney") or {}).get("amount", 0)
                ),
                sku=(str(i["sku"])[:64] if i.get("sku") else None),
                external_id=numeric_id(i["id"]) if i.get("id") else None,
            )
            for i in (node.get("lineItems") or {}).get("nodes") or []
            if isinstance(i, dict)
        ),
        pickup_location=pickup_at,
        pickup_status=pickup,
        shipping_address=_address(node.get("shippingAddress")),
    )


def pickup_from_fulfillment(payload: dict[str, Any]) -> tuple[str, str] | None:
    """``(order external id, pickup status)`` from a ``fulfillments/create|update``
    payload, or None when it says nothing about pickup."""
    shipment = str(payload.get("shipment_status") or "").lower()
    status = {"ready_for_pickup": PICKUP_READY, "picked_up": PICKUP_PICKED_UP}.get(shipment)
    if status is None or payload.get("order_id") is None:
        return None
    return external_id(payload["order_id"]), status


def customer_from_webhook(payload: dict[str, Any]) -> ShopCustomer:
    """A ``customers/update`` payload."""
    return ShopCustomer(
        external_id=f"{PREFIX}customer:{payload['id']}",
        name=_name(payload),
        email=payload.get("email") or None,
        phone=payload.get("phone") or None,
    )
