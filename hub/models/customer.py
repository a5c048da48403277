"""Customers and the identities that lead to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, CreatedAt, UpdatedAt, UTCDateTime
from hub.types import Recipient

# Identity kinds: how a customer is reached or recognised.
PHONE = "phone"  # E.164
EMAIL = "email"  # lower-cased
VISITOR = "visitor"  # anonymous widget visitor id
USER = "user"  # widget user id verified by user_hash
LOYALTY = "loyalty"  # loyalty card / member number
IDENTITY_KINDS = (PHONE, EMAIL, VISITOR, USER, LOYALTY)

VERIFIED = "verified"
ASSERTED = "asserted"
# Kinds anyone can type: a sighting proven by the channel never joins a record that
# only typed the address (see ``hub.actions.customers.resolve_identity``).
TYPED_KINDS = (PHONE, EMAIL)

# Where a detail came from: a form field (pre-chat, terminal) or the message text.
FROM_FORM = "form"
FROM_TEXT = "text"


class Customer(CreatedAt, UpdatedAt, Base):
    __tablename__ = "customers"

    name: Mapped[str | None] = mapped_column(String(200))
    # Set when this customer was merged into another; the row stays so unmerge can
    # bring it back, and lookups follow the pointer.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def first_name(self) -> str | None:
        return self.name.split()[0] if self.name else None


class Identity(CreatedAt, Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "address"),)

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))
    verification: Mapped[str] = mapped_column(String(16), default=ASSERTED)
    # SMS opt-out (STOP) is a property of the number, kept on its identity.
    sms_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def recipient(self) -> Recipient:
        """What a channel's reply rules see of this address (no ORM row crosses)."""
        return Recipient(self.id, self.customer_id, self.kind, self.address, self.sms_opted_out)


class Detail(CreatedAt, Base):
    """A fact the customer gave (name, order number, address...), with where it came from."""

    __tablename__ = "details"
    __table_args__ = (
        Index("ix_details_customer_key", "customer_id", "key"),
        # Claims on an address: "who typed this phone in the last 24 hours?" (partial:
        # other details may be long texts, too wide for a b-tree entry).
        Index(
            "ix_details_claims",
            "key",
            "value",
            postgresql_where=text("key IN ('phone', 'email')"),
            sqlite_where=text("key IN ('phone', 'email')"),
        ),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(2000))
    channel: Mapped[str] = mapped_column(String(16))
    # FROM_FORM, FROM_TEXT (found in a message by ``hub.rules.mentions``) or None (given
    # another way: an agent, an import). A phone or email detail is an asserted claim.
    origin: Mapped[str | None] = mapped_column(String(16))
    source_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL")
    )
