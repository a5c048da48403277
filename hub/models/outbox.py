"""The transactional outbox: work committed with the change that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, CreatedAt, UpdatedAt, UTCDateTime, utcnow

# A job is tried this many times (with backoff) before it is marked failed.
MAX_ATTEMPTS = 12

DELIVER_MESSAGE = "deliver_message"

QUEUED = "queued"
IN_FLIGHT = "in_flight"
DONE = "done"
FAILED = "failed"


class OutboxJob(CreatedAt, UpdatedAt, Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_due", "state", "next_attempt_at"),)

    kind: Mapped[str] = mapped_column(String(32))
    # One job per (kind, key): enqueueing the same work twice is a no-op.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A claim expires so a crashed worker's job is picked up again.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
