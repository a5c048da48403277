"""CSAT: asking for a 1-5 rating after a resolve, and recording the answer.

The question goes out on the channel the customer used last, as an automatic
message (``via="csat"``, ``data.csat_survey_id``): SMS shows the text ("Reply 1–5"),
the widget can render a rating control from the same event. Any channel records
the answer with ``record_csat``. A customer's text on any channel that passes
``could_be_rating`` goes to ``parse_csat_reply`` (``receive_batch`` does it), which
records it only when it is a bare digit 1-5 and a survey is pending. Like Zendesk and
Gorgias, a customer who replies "4" to "How did we do? Reply 1–5" rates the resolved
conversation; the thread stays resolved and nobody is asked to answer.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import events as ev
from hub.actions.customers import get_customer, get_thread
from hub.actions.hours import send_automatic
from hub.core import UnitOfWork
from hub.db import add_if_new, utcnow
from hub.errors import Invalid, NotFound
from hub.models import CsatSurvey
from hub.models.csat import ANSWERED, PENDING
from hub.models.thread import MESSAGE
from hub.types import Inbound

QUESTION = "How did we do? Reply with a number from 1 (poor) to 5 (great)."
# A pending survey older than this no longer turns a bare "3" into a rating.
ANSWER_WINDOW = timedelta(days=3)
_DIGIT = re.compile(r"^\s*([1-5])\s*[.!]?\s*$")
# Longer texts cannot be a bare score ("4." at most), so they skip the lookup.
MAX_SCORE_CHARS = 3


def could_be_rating(inbound: Inbound) -> bool:
    """A cheap filter before any query ("ok", "hi", long texts, media, calls and
    consent keywords fail it); ``parse_csat_reply`` decides what a score is."""
    body = (inbound.body or "").strip()
    return (
        inbound.type == MESSAGE
        and inbound.awaits_reply
        and inbound.consent is None
        and not inbound.media
        and 0 < len(body) <= MAX_SCORE_CHARS
        and any(c in "12345" for c in body)
    )


async def queue_csat_survey(
    uow: UnitOfWork, customer_id: int, *, key: str, channel: str | None = None
) -> CsatSurvey | None:
    """Ask the customer to rate the conversation, once per ``key`` (e.g. the resolve).

    ``channel`` defaults to the customer's last active one. Returns None when already
    asked for ``key`` or when the customer cannot be reached there.
    """
    customer = await get_customer(uow.session, customer_id)
    thread = await get_thread(uow.session, customer.id)
    existing = await uow.session.execute(select(CsatSurvey.id).where(CsatSurvey.key == key))
    if existing.scalar_one_or_none() is not None:
        return None
    channel = channel or thread.last_channel
    if channel is None:
        return None
    survey = CsatSurvey(
        key=key, customer_id=customer.id, agent_id=thread.assignee_id, channel=channel
    )
    if not await add_if_new(uow.session, survey):
        return None
    event = await send_automatic(
        uow,
        customer.id,
        QUESTION,
        channel=channel,
        via="csat",
        data={"csat_survey_id": survey.id, "scale": [1, 5]},
    )
    if event is None:
        await uow.session.delete(survey)
        await uow.session.flush()
        return None
    survey.question_event_id = event.id
    return survey


async def record_csat(
    uow: UnitOfWork,
    customer_id: int,
    score: int,
    channel: str,
    provider_id: str | None = None,
) -> CsatSurvey:
    """Record a 1-5 rating from any channel; a replayed ``(channel, provider_id)`` is a no-op.

    The answer goes to the customer's latest pending survey, or a new answered row when
    none is pending (the widget's rating control may be used at any time).
    """
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise Invalid("a CSAT score is a whole number from 1 to 5", code="invalid_score")
    customer = await get_customer(uow.session, customer_id)
    if provider_id is not None:
        found = await _by_provider_id(uow, channel, provider_id)
        if found is not None:
            return found
    survey = await pending_survey(uow.session, customer.id)
    if survey is None:
        thread = await get_thread(uow.session, customer.id)
        survey = CsatSurvey(customer_id=customer.id, agent_id=thread.assignee_id, channel=channel)
        uow.session.add(survey)
    survey.state = ANSWERED
    survey.score = score
    survey.answer_channel = channel
    survey.provider_id = provider_id
    survey.answered_at = utcnow()
    try:
        async with uow.session.begin_nested():
            await uow.session.flush()
    except IntegrityError:
        found = await _by_provider_id(uow, channel, provider_id or "")
        if found is None:  # pragma: no cover - the winner rolled back
            raise
        return found
    payload = {
        "customer_id": customer.id,
        "survey_id": survey.id,
        "score": score,
        "channel": channel,
    }
    uow.emit(ev.DomainEvent(ev.CSAT_RECORDED, payload, customer.id))
    return survey


async def answer_survey(
    uow: UnitOfWork,
    customer_id: int,
    score: int,
    channel: str,
    provider_id: str,
    survey_id: int | None = None,
) -> CsatSurvey:
    """Record a rating given with a rating control (the widget's), ``record_csat``
    otherwise.

    ``survey_id``, when given, must be one of the customer's surveys (``NotFound``
    otherwise); if it was already answered (another tab, or by SMS) the first answer
    stands and is returned. A replayed ``provider_id`` records nothing new.
    Raises ``Invalid`` for a score outside 1-5.
    """
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


async def parse_csat_reply(
    uow: UnitOfWork, customer_id: int, body: str, channel: str, provider_id: str | None
) -> CsatSurvey | None:
    """Record ``body`` as a rating when it is a bare 1-5 and a survey is pending.

    Returns the answered survey, or None when the text is an ordinary message.
    """
    match = _DIGIT.match(body or "")
    if match is None:
        return None
    customer = await get_customer(uow.session, customer_id)
    if provider_id is not None and await _by_provider_id(uow, channel, provider_id):
        return await _by_provider_id(uow, channel, provider_id)
    survey = await pending_survey(uow.session, customer.id)
    if survey is None or survey.created_at < utcnow() - ANSWER_WINDOW:
        return None
    return await record_csat(uow, customer.id, int(match.group(1)), channel, provider_id)


async def pending_survey(session: AsyncSession, customer_id: int) -> CsatSurvey | None:
    """The customer's latest survey still awaiting an answer, if any."""
    result = await session.execute(
        select(CsatSurvey)
        .where(CsatSurvey.customer_id == customer_id, CsatSurvey.state == PENDING)
        .order_by(CsatSurvey.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def _by_provider_id(uow: UnitOfWork, channel: str, provider_id: str) -> CsatSurvey | None:
    result = await uow.session.execute(
        select(CsatSurvey).where(
            CsatSurvey.answer_channel == channel, CsatSurvey.provider_id == provider_id
        )
    )
    return result.scalar_one_or_none()
