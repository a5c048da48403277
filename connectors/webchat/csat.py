"""The widget's rating control: which survey a visitor may answer, and recording it.

The survey question itself is an ordinary automatic message (``via="csat"``,
``data.csat_survey_id``) that the connector delivers as a ``csat`` socket event
instead of a text; see ``WebchatConnector.send`` and docs/widget.md.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actions.csat import record_csat
from hub.actions.customers import get_customer
from hub.core import Hub
from hub.errors import NotFound
from hub.models import CsatSurvey
from hub.models.csat import ANSWERED, PENDING

QUESTION = "How did we do?"
SCALE = [1, 5]


def survey_payload(event_id: int | None, survey_id: int, created_at: str | None) -> dict[str, Any]:
    """The ``csat`` event asking a visitor to rate (see docs/widget.md)."""
    return {
        "id": event_id,
        "survey_id": survey_id,
        "question": QUESTION,
        "scale": SCALE,
        "answered": False,
        "score": None,
        "created_at": created_at,
    }


async def pending_for_visitor(
    db: AsyncSession, customer_id: int | None, visible_event_ids: set[int]
) -> dict[str, Any] | None:
    """The customer's latest pending survey, if this visitor was asked it in the widget
    (its question is among the messages the visitor may read), as a ``csat`` payload."""
    if customer_id is None or not visible_event_ids:
        return None
    result = await db.execute(
        select(CsatSurvey)
        .where(CsatSurvey.customer_id == customer_id, CsatSurvey.state == PENDING)
        .order_by(CsatSurvey.id.desc())
        .limit(1)
    )
    survey = result.scalar_one_or_none()
    if survey is None or survey.question_event_id not in visible_event_ids:
        return None
    return survey_payload(survey.question_event_id, survey.id, None)


async def rate(
    hub: Hub,
    customer_id: int,
    score: int,
    *,
    channel: str,
    provider_id: str,
    survey_id: int | None = None,
) -> CsatSurvey:
    """Record a visitor's rating; returns the answered survey once committed.

    ``survey_id``, when given, must be one of the customer's surveys (``NotFound``
    otherwise); if it was already answered (another tab, or by SMS) the first answer
    stands and is returned. A replayed ``provider_id`` records nothing new.
    Raises ``Invalid`` for a score outside 1-5.
    """
    async with hub.uow() as uow:
        if survey_id is not None:
            survey = await uow.session.get(CsatSurvey, survey_id)
            if (
                survey is None
                or (await get_customer(uow.session, survey.customer_id)).id != customer_id
            ):
                raise NotFound("no such survey", code="not_found")
            if survey.state == ANSWERED:
                return survey
        return await record_csat(uow, customer_id, score, channel, provider_id)
