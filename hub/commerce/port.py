"""The commerce port: what the hub asks of a shop, and the shapes it gets back.

An adapter (``connectors/<shop>/``) implements ``CommercePort`` over its shop's API and
turns the shop's own payloads into these dataclasses. Money is in integer cents of the
order's currency. A shop that says no raises ``ShopRefused`` with its own words (shown
to the agent as they are); a shop that cannot be reached raises ``ShopUnavailable``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from hub.errors import HubError
from hub.types import OrderInput

# Pickup statuses an order can carry (``Order.pickup_status``).
PICKUP_PENDING = "pending"
PICKUP_READY = "ready"
PICKUP_PICKED_UP = "picked_up"
PICKUP_STATUSES = (PICKUP_PENDING, PICKUP_READY, PICKUP_PICKED_UP)

# The fields of a shipping address the hub edits (a subset every shop knows).
ADDRESS_FIELDS = ("name", "address1", "address2", "city", "province", "zip", "country", "phone")


class ShopRefused(HubError, code="shop_refused", status=422):
    """The shop answered and said no; ``message`` is the shop's own explanation."""


class ShopUnavailable(HubError, code="shop_unavailable", status=503):
    """The shop's API could not be reached or answered with a server error."""


@dataclass(frozen=True, kw_only=True)
class ShopOrder(OrderInput):
    """One order as the shop has it now: the order (``OrderInput``, its customer by
    ``email`` else ``phone``) with the shop's version, fulfilment and address.
    ``updated_at`` orders versions: the hub never lets an older one overwrite a newer
    one."""

    updated_at: datetime
    fulfillment_status: str | None = None
    pickup_status: str | None = None
    shipping_address: Mapping[str, str] | None = None


@dataclass(frozen=True)
class ShopCustomer:
    """A shop customer: the shop verified their email and phone (it vouches with its key)."""

    external_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class PickupUpdate:
    """The shop moved a pickup on: order ``external_id`` is now ``status``."""

    external_id: str
    status: str
    location: str | None = None


@dataclass(frozen=True)
class OrderRefresh:
    """Something changed that the webhook does not carry (a refund): re-read the order
    from the shop; ``reason`` names the change (one refresh per reason)."""

    external_id: str
    reason: str


# What one shop webhook tells the hub (``hub.actions.commerce.apply_shop_update``).
ShopUpdate = ShopOrder | PickupUpdate | ShopCustomer | OrderRefresh


@dataclass(frozen=True)
class StockLevel:
    location: str
    available: int


@dataclass(frozen=True)
class ProductStock:
    sku: str
    name: str
    levels: tuple[StockLevel, ...] = ()

    def summary(self) -> str:
        """``Blue sofa: Union Square 3, Mission 0, online 12``."""
        parts = ", ".join(f"{level.location} {level.available}" for level in self.levels)
        return f"{self.name}: {parts}" if parts else f"{self.name}: no stock anywhere"


@dataclass(frozen=True)
class RefundLine:
    item_external_id: str
    quantity: int


@dataclass(frozen=True)
class Outcome:
    """What the shop did: a sentence for the timeline and the shop's ids."""

    message: str
    data: dict[str, Any] = field(default_factory=dict)


class CommercePort(Protocol):
    """A shop, as the hub uses it. Every method may raise ``ShopUnavailable``; the
    actions also ``ShopRefused``."""

    #: Shown to agents ("Shopify").
    label: str

    def owns(self, external_id: str) -> bool:
        """Whether the order ``external_id`` (the hub's) came from this shop."""
        ...

    async def order(self, external_id: str) -> ShopOrder | None:
        """The shop's order ``external_id`` as it is now, or None when it has none."""
        ...

    async def orders_for(self, *, email: str | None, phone: str | None) -> list[ShopOrder]:
        """The shop's orders of the customer with this email or phone (newest first)."""
        ...

    def orders_since(self, since: datetime) -> AsyncIterator[ShopOrder]:
        """Every order updated since ``since``, page by page."""
        ...

    async def stock(self, skus: Sequence[str]) -> list[ProductStock]:
        """Available quantities per location of the products with these SKUs."""
        ...

    async def refund_amount(self, external_id: str, lines: Sequence[RefundLine]) -> int:
        """What refunding ``lines`` would pay back, in cents (nothing changes)."""
        ...

    async def cancel(self, external_id: str, *, reason: str) -> Outcome: ...

    async def refund(self, external_id: str, lines: Sequence[RefundLine]) -> Outcome: ...

    async def update_shipping_address(
        self, external_id: str, address: Mapping[str, str]
    ) -> Outcome: ...

    async def resend_confirmation(self, external_id: str) -> Outcome: ...
