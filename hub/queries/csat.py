"""CSAT scores of one customer's thread (for the console's thread header)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import CsatSurvey
from hub.models.csat import ANSWERED


@dataclass(frozen=True)
class Rating:
    score: int
    channel: str | None
    agent_id: int | None
    answered_at: datetime | None


@dataclass(frozen=True)
class ThreadCsat:
    ratings: list[Rating]
    pending: bool

    @property
    def average(self) -> float | None:
        if not self.ratings:
            return None
        return round(sum(r.score for r in self.ratings) / len(self.ratings), 2)

    @property
    def latest(self) -> Rating | None:
        return self.ratings[0] if self.ratings else None


async def thread_csat(session: AsyncSession, customer_id: int) -> ThreadCsat:
    """The customer's ratings, newest first, and whether a survey awaits an answer."""
    rows = list(
        (
            await session.execute(
                select(CsatSurvey)
                .where(CsatSurvey.customer_id == customer_id)
                .order_by(CsatSurvey.id.desc())
            )
        ).scalars()
    )
    return csat_of([(r.state, r.score, r.answer_channel, r.agent_id, r.answered_at) for r in rows])


Survey = tuple[str, int | None, str | None, int | None, datetime | None]


def csat_of(surveys: list[Survey]) -> ThreadCsat:
    """``ThreadCsat`` from ``(state, score, answer_channel, agent_id, answered_at)`` of the
    customer's surveys, newest first (for callers that read them in a larger query)."""
    ratings = [
        Rating(score, channel, agent_id, answered_at)
        for state, score, channel, agent_id, answered_at in surveys
        if state == ANSWERED and score is not None
    ]
    return ThreadCsat(ratings, pending=any(s[0] != ANSWERED for s in surveys))
