"""Setting a team's business hours and the out-of-hours auto-reply.

``auto_reply_if_closed`` is channel-agnostic: a connector calls it after storing a
customer's message (in the same or a later unit of work) and the reply goes out on
that channel through ``send_reply(..., via="auto")``. It answers at most once per
customer per closed period: the ``(customer_id, period)`` unique key decides, even
when two messages arrive at once in different processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import events as ev
from hub.actions.audit import record_audit
from hub.actions.customers import get_customer, get_thread
from hub.actions.replies import send_reply
from hub.core import UnitOfWork
from hub.db import add_if_new, utcnow
from hub.errors import HubError, Invalid
from hub.models import BusinessHours, Event, OutOfHoursReply, Store
from hub.models.hours import DEFAULT_TEAM, STORE_TEAM_PREFIX
from hub.rules.hours import Schedule, closed_period_key, is_open, make_schedule, next_opening

DEFAULT_AUTO_REPLY = (
    "Thanks for your message! We're closed right now and will get back to you "
    "when we open ({opening})."
)
MAX_AUTO_REPLY = 1000
OPEN = "open"
CLOSED = "closed"
_TEAM_NAME = re.compile(r"^[\w .-]{1,64}$")


async def set_business_hours(
    uow: UnitOfWork,
    *,
    timezone: str,
    intervals: list[dict[str, Any]],
    holidays: list[str] | None = None,
    reply_minutes: int = 5,
    auto_reply: str | None = None,
    team: str = DEFAULT_TEAM,
    actor: str = "system",
) -> BusinessHours:
    """Create or replace ``team``'s schedule after validating it (``Invalid`` says why).

    An empty ``intervals`` list means "no business hours": always open, no auto-reply.
    ``team`` is a team's name, or ``store:<CODE>`` for a store's opening hours (the
    store must exist).
    """
    make_schedule(timezone, intervals, holidays or (), reply_minutes)
    if not 0 <= reply_minutes <= 7 * 24 * 60:
        raise Invalid("reply_minutes must be between 0 and 10080", code="invalid_hours")
    if auto_reply is not None and len(auto_reply) > MAX_AUTO_REPLY:
        raise Invalid(f"auto-reply longer than {MAX_AUTO_REPLY} characters", code="too_long")
    team = await _checked_team(uow, team)
    result = await uow.session.execute(select(BusinessHours).where(BusinessHours.team == team))
    row = result.scalar_one_or_none()
    if row is None:
        row = BusinessHours(team=team)
        uow.session.add(row)
    row.timezone = timezone
    row.intervals = [dict(i) for i in intervals]
    row.holidays = sorted(holidays or [])
    row.reply_minutes = reply_minutes
    row.auto_reply = (auto_reply or "").strip() or None
    await uow.session.flush()
    await record_audit(uow, actor, "hours.set", "business_hours", row.id, {"team": team})
    uow.emit(ev.DomainEvent(ev.HOURS_CHANGED, {"team": team}))
    return row


async def _checked_team(uow: UnitOfWork, team: str) -> str:
    team = team.strip() or DEFAULT_TEAM
    if team.startswith(STORE_TEAM_PREFIX):
        code = team[len(STORE_TEAM_PREFIX) :]
        found = await uow.session.execute(select(Store.id).where(Store.code == code))
        if found.scalar_one_or_none() is None:
            raise Invalid(f"no store with the code {code!r}", code="invalid_team")
    elif not _TEAM_NAME.match(team):
        raise Invalid(
            "a team name is 1-64 letters, digits, spaces, dots, dashes or underscores",
            code="invalid_team",
        )
    return team


def schedule_of(row: BusinessHours) -> Schedule:
    return make_schedule(row.timezone, row.intervals, row.holidays, row.reply_minutes)


async def get_schedule(session: AsyncSession, team: str = DEFAULT_TEAM) -> Schedule | None:
    """``team``'s schedule, or None when none was set (the team counts as always open)."""
    result = await session.execute(select(BusinessHours).where(BusinessHours.team == team))
    row = result.scalar_one_or_none()
    return schedule_of(row) if row is not None else None


@dataclass(frozen=True)
class Hours:
    """A schedule's state at an instant: ``status`` is ``"open"`` or ``"closed"``;
    while closed, ``opens_at`` is the next opening in the schedule's time zone (None
    when it never opens again)."""

    status: str
    opens_at: datetime | None = None


async def hours_status(
    session: AsyncSession, team: str = DEFAULT_TEAM, at: datetime | None = None
) -> Hours:
    """Whether ``team``'s schedule is open at ``at`` (now). No schedule (or one with no
    intervals) means always open."""
    schedule = await get_schedule(session, team)
    at = at or utcnow()
    if schedule is None or is_open(schedule, at):
        return Hours(OPEN)
    opening = next_opening(schedule, at)
    return Hours(CLOSED, opening.astimezone(schedule.tz) if opening else None)


def format_opening(schedule: Schedule, opening: datetime | None) -> str:
    if opening is None:
        return "soon"
    return opening.astimezone(schedule.tz).strftime("%a %d %b %H:%M %Z")


async def auto_reply_if_closed(
    uow: UnitOfWork,
    customer_id: int,
    channel: str,
    *,
    team: str = DEFAULT_TEAM,
    at: datetime | None = None,
) -> Event | None:
    """Send the out-of-hours reply on ``channel`` if ``team`` is closed at ``at`` (now).

    Returns the queued reply, or None when open, already answered in this closed
    period, or the customer cannot be reached on ``channel``.
    """
    at = at or utcnow()
    result = await uow.session.execute(select(BusinessHours).where(BusinessHours.team == team))
    row = result.scalar_one_or_none()
    if row is None:
        return None
    schedule = schedule_of(row)
    period = closed_period_key(schedule, at)
    if period is None:
        return None
    marker = OutOfHoursReply(customer_id=customer_id, period=f"{team}:{period}"[:64])
    if not await add_if_new(uow.session, marker):
        return None
    text = (row.auto_reply or DEFAULT_AUTO_REPLY).replace(
        "{opening}", format_opening(schedule, next_opening(schedule, at))
    )
    event = await send_automatic(uow, customer_id, text, channel=channel, via="auto")
    if event is not None:
        marker.event_id = event.id
    return event


async def send_automatic(
    uow: UnitOfWork,
    customer_id: int,
    body: str,
    *,
    channel: str | None,
    via: str,
    data: dict[str, object] | None = None,
) -> Event | None:
    """``send_reply`` for messages the hub sends by itself (auto-reply, survey).

    Unlike an agent's reply it leaves the customer waiting: the thread's
    ``waiting_since``, unread count and first response time are kept. Returns None
    (and changes nothing) when the customer cannot be reached on ``channel``.
    """
    thread = await get_thread(uow.session, (await get_customer(uow.session, customer_id)).id)
    kept = (thread.waiting_since, thread.unread_count, thread.first_response_at)
    try:
        async with uow.session.begin_nested():
            event = await send_reply(uow, customer_id, body, channel=channel, via=via, data=data)
    except HubError:
        return None
    thread.waiting_since, thread.unread_count, thread.first_response_at = kept
    return event
