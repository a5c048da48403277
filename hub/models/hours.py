"""Business hours: one weekly schedule per team, plus the out-of-hours replies sent.

``intervals`` is a list of ``{"day": 0-6 (Monday=0), "open": "HH:MM", "close": "HH:MM"}``
in the schedule's local time; a ``close`` at or before ``open`` runs overnight into
the next day and ``"24:00"`` means midnight at the end of the day. ``holidays`` lists
local dates (``"YYYY-MM-DD"``) on which no interval *starts*. See ``hub.rules.hours``.

A store's opening hours are the schedule of the team ``store:<CODE>`` (``store_team``):
the phone's order status says until when a pickup can be collected, and a phone menu
may follow them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, CreatedAt, UpdatedAt

DEFAULT_TEAM = "default"
STORE_TEAM_PREFIX = "store:"


def store_team(code: str) -> str:
    """The schedule name of a store's opening hours."""
    return f"{STORE_TEAM_PREFIX}{code}"


class BusinessHours(UpdatedAt, Base):
    __tablename__ = "business_hours"

    team: Mapped[str] = mapped_column(String(64), unique=True, default=DEFAULT_TEAM)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    intervals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Typical reply time while open, shown by the widget ("we reply in ~N minutes").
    reply_minutes: Mapped[int] = mapped_column(Integer, default=5)
    # Sent once per conversation per closed period; "{opening}" is replaced.
    auto_reply: Mapped[str | None] = mapped_column(Text)


class OutOfHoursReply(CreatedAt, Base):
    """Marks that a customer got the auto-reply for the closed period ending at ``period``."""

    __tablename__ = "out_of_hours_replies"
    __table_args__ = (UniqueConstraint("customer_id", "period"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
