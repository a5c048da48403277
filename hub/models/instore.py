"""What in-store terminals sent: one row per client frame id, holding the ack it got.

A terminal resends its whole queue after a lost connection; the ``(terminal_id,
frame_id)`` unique key makes a resent frame return the stored ack without a second
effect. The row is written in the same transaction as the frame's effect, so an ack
exists exactly when the effect was committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow


class TerminalFrame(Base):
    __tablename__ = "terminal_frames"
    __table_args__ = (UniqueConstraint("terminal_id", "frame_id"),)

    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    frame_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    # The exact ack sent back (``{"type": "ack", "id", "ok", ...}``); resends get it again.
    ack: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
