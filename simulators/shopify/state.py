"""The simulated shop: locations, products with stock, customers and orders.

Orders are kept in Shopify's REST webhook shape (what ``orders/*`` webhooks carry);
``graphql.py`` renders them as Admin GraphQL nodes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

ONLINE = "Online warehouse"


def money(cents: int) -> str:
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


@dataclass
class Product:
    sku: str
    title: str
    price_cents: int
    # location name → available
    stock: dict[str, int] = field(default_factory=dict)


@dataclass
class Shop:
    locations: list[str] = field(default_factory=lambda: [ONLINE])
    products: dict[str, Product] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Calls the hub made, by operation name (tests count them).
    calls: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5_000_001))
    _clock: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def next_id(self) -> int:
        return next(self._ids)

    def tick(self) -> str:
        """A new ``updated_at``, strictly after the previous one."""
        self._clock = max(
            self._clock + timedelta(seconds=1), datetime.now(UTC).replace(microsecond=0)
        )
        return self._clock.isoformat().replace("+00:00", "Z")

    def add_product(self, sku: str, title: str, price_cents: int, stock: dict[str, int]) -> None:
        for location in stock:
            if location not in self.locations:
                self.locations.append(location)
        self.products[sku] = Product(sku, title, price_cents, dict(stock))

    def place_order(
        self,
        *,
        email: str | None,
        phone: str | None = None,
        name: str = "Sam Shopper",
        lines: list[tuple[str, int]],
        pickup_at: str | None = None,
    ) -> dict[str, Any]:
        """A paid order for ``lines`` (sku, quantity), shipped or for pickup at a location."""
        order_id = self.next_id()
        first, _, last = name.partition(" ")
        now = self.tick()
        items = []
        for sku, quantity in lines:
            product = self.products[sku]
            items.append(
                {
                    "id": self.next_id(),
                    "sku": sku,
                    "name": product.title,
                    "title": product.title,
                    "quantity": quantity,
                    "price": money(product.price_cents),
                }
            )
        total = sum(self.products[sku].price_cents * q for sku, q in lines)
        order: dict[str, Any] = {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "name": f"#{1000 + len(self.orders) + 1}",
            "email": email,
            "phone": phone,
            "created_at": now,
            "updated_at": now,
            "cancelled_at": None,
            "cancel_reason": None,
            "financial_status": "paid",
            "fulfillment_status": None,
            "currency": "USD",
            "total_price": money(total),
            "customer": {
                "id": order_id + 900_000,
                "email": email,
                "phone": phone,
                "first_name": first,
                "last_name": last,
            },
            "line_items": items,
            "shipping_address": {
                "name": name,
                "address1": "1 Demo Street",
                "city": "Springfield",
                "zip": "01101",
                "country": "United States",
            },
            "shipping_lines": (
                [{"code": "Pickup", "title": pickup_at, "source": "shopify"}]
                if pickup_at
                else [{"code": "Standard", "title": "Standard shipping", "source": "shopify"}]
            ),
            "refunds": [],
            "fulfillments": [],
        }
        self.orders[order_id] = order
        return order

    def refundable(self, order: dict[str, Any], line_id: int) -> int:
        line = next((i for i in order["line_items"] if i["id"] == line_id), None)
        if line is None:
            return 0
        refunded = sum(
            r["quantity"]
            for refund in order["refunds"]
            for r in refund["refund_line_items"]
            if r["line_item_id"] == line_id
        )
        return int(line["quantity"]) - int(refunded)
