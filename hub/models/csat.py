"""Customer satisfaction: one survey per resolution, answered with a score 1-5.

A survey is queued when a thread is resolved (``key`` = the resolving status event,
so a replayed resolve asks once). A score given without a pending survey (the widget's
rating shown at any time) is stored as an answered row with no ``key``.
``(answer_channel, provider_id)`` is unique, so a replayed answer counts once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, CreatedAt, UTCDateTime

PENDING = "pending"
ANSWERED = "answered"


class CsatSurvey(CreatedAt, Base):
    __tablename__ = "csat_surveys"
    __table_args__ = (UniqueConstraint("answer_channel", "provider_id"),)

    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    # The agent the thread was assigned to when resolved (for per-agent reports).
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(16))
    question_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    score: Mapped[int | None] = mapped_column(Integer)
    answer_channel: Mapped[str | None] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(128))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
