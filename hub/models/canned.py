"""Canned responses: reusable reply texts with ``{{customer.first_name}}``-style placeholders."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, CreatedAt, UpdatedAt


class CannedResponse(CreatedAt, UpdatedAt, Base):
    __tablename__ = "canned_responses"

    # Typed after "/" in the reply box, e.g. "refund".
    shortcut: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # Validated template text (see ``hub.rules.canned``); rendered as plain text.
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
