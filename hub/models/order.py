"""Orders from the online shop and the store POS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, CreatedAt, UpdatedAt, UTCDateTime, utcnow

ONLINE = "online"
STORE = "store"
ORDER_SOURCES = (ONLINE, STORE)
# Orders in these states are not "open" (the screen pop, the IVR's order status).
CLOSED_ORDER_STATUSES = frozenset(
    {"delivered", "completed", "cancelled", "canceled", "refunded", "returned", "picked_up"}
)


class Order(CreatedAt, UpdatedAt, Base):
    __tablename__ = "orders"

    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    number: Mapped[str | None] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(16), default=ONLINE)
    store_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="placed")
    pickup_location: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # From a connected shop (hub.commerce): the shop's last-modified time of the version
    # stored (an older one never overwrites it), fulfilment and pickup status, the
    # shipping address, and when the customer was told the order is ready for pickup.
    shop_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fulfillment_status: Mapped[str | None] = mapped_column(String(32))
    pickup_status: Mapped[str | None] = mapped_column(String(16))
    pickup_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="OrderItem.id",
        lazy="selectin",
    )


class OrderItem(Base):
    __tablename__ = "order_items"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    # The shop's id of the line item (refunds name it); None for API and POS orders.
    external_id: Mapped[str | None] = mapped_column(String(128))

    order: Mapped[Order] = relationship(back_populates="items")


class OrderAction(CreatedAt, Base):
    """An agent's request to the shop about an order (cancel, refund, address, resend).

    ``key`` is the confirmation form's one-time key: a second submit of the same form
    finds this row instead of asking the shop again. ``state`` is ``pending`` while the
    shop is being asked, then ``done`` or ``refused`` (``message`` says why)."""

    __tablename__ = "order_actions"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str | None] = mapped_column(String(1000))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProviderDelivery(Base):
    """A provider's delivery id already processed (e.g. ``X-Shopify-Webhook-Id``), so a
    redelivered webhook changes nothing."""

    __tablename__ = "provider_deliveries"
    __table_args__ = (UniqueConstraint("source", "delivery_id"),)

    source: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
