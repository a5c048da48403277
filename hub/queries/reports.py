"""Team figures over a date range, for the console's reports page, CSV and ``hub report``.

Definitions (all times UTC, days are UTC days, the range is ``[since, until)``):

- **Conversations by channel per day**: customers who wrote, called or visited
  (an inbound event) on that channel that day; one customer on two channels counts
  on both.
- **Handoffs from → to**: two consecutive customer-facing events (``direction`` set)
  of one customer on different channels; counted on the day of the second event.
- **First response / resolution time**: a conversation starts with a customer's
  inbound event while none is open and ends when the thread is resolved. Its first
  response is the first outbound message or call that the hub did not send by itself
  (auto-replies and surveys do not count); an answered inbound call is its own first
  response. Grouped by the channel the conversation started on and by the agent who
  responded / resolved. Percentiles use the nearest-rank method.
- **CSAT trend**: average score of answers given each day.

Counting is done in SQL; the conversation walk for response times runs in Python
over one ordered query (percentiles are not portable SQL).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from hub.models import Agent, CsatSurvey, Event
from hub.models.csat import ANSWERED
from hub.models.thread import IN, OUT, RESOLVED, STATUS

NO_AGENT = "(none)"
AUTOMATIC_VIA = ("auto", "csat")
ANSWERED_CALL_STATUSES = ("answered", "in-progress", "completed")


@dataclass(frozen=True)
class Percentiles:
    """Durations in seconds: how many, median and 90th percentile."""

    count: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    conversations: list[tuple[date, str, int]] = field(default_factory=list)
    handoffs: list[tuple[str, str, int]] = field(default_factory=list)
    first_response_by_channel: dict[str, Percentiles] = field(default_factory=dict)
    first_response_by_agent: dict[str, Percentiles] = field(default_factory=dict)
    resolution_by_channel: dict[str, Percentiles] = field(default_factory=dict)
    resolution_by_agent: dict[str, Percentiles] = field(default_factory=dict)
    csat: list[tuple[date, float, int]] = field(default_factory=list)

    @property
    def days(self) -> list[date]:
        """Every UTC day the range touches, in order."""
        first, last = self.since.date(), (self.until - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    @property
    def channels(self) -> list[str]:
        return sorted({channel for _, channel, _ in self.conversations})

    @property
    def csat_average(self) -> float | None:
        answers = sum(n for _, _, n in self.csat)
        if not answers:
            return None
        return round(sum(avg * n for _, avg, n in self.csat) / answers, 2)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``p``% at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(values: list[float]) -> Percentiles:
    return Percentiles(len(values), percentile(values, 50), percentile(values, 90))


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``30d``, ``12h``, ``2w`` or an ISO date → the start of the range (UTC)."""
    now = now or datetime.now(UTC)
    text = text.strip().lower()
    units = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
    if text[:-1].isdigit() and text[-1:] in units:
        return now - int(text[:-1]) * units[text[-1]]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"expected e.g. 30d, 12h, 2w or 2026-11-01, not {text!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, on either engine."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def build_report(session: AsyncSession, since: datetime, until: datetime) -> Report:
    """All the figures for ``[since, until)``."""
    if until <= since:
        raise ValueError("the report range must end after it starts")
    times = await _response_times(session, since, until)
    return Report(
        since=since,
        until=until,
        conversations=await conversations_by_channel(session, since, until),
        handoffs=await channel_handoffs(session, since, until),
        csat=await csat_trend(session, since, until),
        **times,
    )


async def conversations_by_channel(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[date, str, int]]:
    day = _day(session, Event.created_at).label("day")
    rows = await session.execute(
        select(day, Event.channel, func.count(func.distinct(Event.customer_id)))
        .where(Event.direction == IN, Event.created_at >= since, Event.created_at < until)
        .group_by(day, Event.channel)
        .order_by(day, Event.channel)
    )
    return [(_as_date(d), channel, int(n)) for d, channel, n in rows]


async def channel_handoffs(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[str, str, int]]:
    previous = (
        func.lag(Event.channel)
        .over(partition_by=Event.customer_id, order_by=(Event.created_at, Event.id))
        .label("previous")
    )
    facing = (
        select(Event.channel.label("channel"), Event.created_at.label("at"), previous)
        .where(Event.direction.is_not(None), Event.created_at < until)
        .subquery()
    )
    prev_col, channel_col = facing.c.previous, facing.c.channel
    rows = await session.execute(
        select(prev_col, channel_col, func.count())
        .where(facing.c.at >= since, prev_col.is_not(None), prev_col != channel_col)
        .group_by(prev_col, channel_col)
        .order_by(func.count().desc(), prev_col, channel_col)
    )
    return [(str(a), str(b), int(n)) for a, b, n in rows]


async def csat_trend(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[date, float, int]]:
    day = _day(session, CsatSurvey.answered_at).label("day")
    rows = await session.execute(
        select(day, func.avg(CsatSurvey.score), func.count())
        .where(
            CsatSurvey.state == ANSWERED,
            CsatSurvey.answered_at >= since,
            CsatSurvey.answered_at < until,
        )
        .group_by(day)
        .order_by(day)
    )
    return [(_as_date(d), round(float(avg), 2), int(n)) for d, avg, n in rows]


async def _response_times(
    session: AsyncSession, since: datetime, until: datetime
) -> dict[str, dict[str, Percentiles]]:
    agents: dict[int, str] = {
        row.id: row.name for row in await session.execute(select(Agent.id, Agent.name))
    }
    rows = await session.execute(
        select(
            Event.customer_id,
            Event.created_at,
            Event.type,
            Event.channel,
            Event.direction,
            Event.agent_id,
            Event.status,
            Event.data,
        )
        .where(
            (Event.direction.is_not(None)) | (Event.type == STATUS),
            Event.created_at >= since,
            Event.created_at < until,
        )
        .order_by(Event.customer_id, Event.created_at, Event.id)
    )
    first: dict[str, dict[str, list[float]]] = {
        "channel": defaultdict(list),
        "agent": defaultdict(list),
    }
    resolution: dict[str, dict[str, list[float]]] = {
        "channel": defaultdict(list),
        "agent": defaultdict(list),
    }

    def agent_name(agent_id: int | None) -> str:
        return agents.get(agent_id, NO_AGENT) if agent_id is not None else NO_AGENT

    current: int | None = None
    opened: datetime | None = None
    channel = ""
    responded = False
    for customer_id, at, kind, ev_channel, direction, agent_id, status, data in rows:
        if customer_id != current:
            current, opened, responded = customer_id, None, False
        data = data or {}
        if direction == IN:
            if opened is None:
                opened, channel, responded = at, ev_channel, False
            if not responded and kind == "call" and status in ANSWERED_CALL_STATUSES:
                first["channel"][channel].append((at - opened).total_seconds())
                first["agent"][agent_name(agent_id)].append((at - opened).total_seconds())
                responded = True
        elif direction == OUT:
            if opened is not None and not responded and data.get("via") not in AUTOMATIC_VIA:
                first["channel"][channel].append((at - opened).total_seconds())
                first["agent"][agent_name(agent_id)].append((at - opened).total_seconds())
                responded = True
        elif kind == STATUS and data.get("to") == RESOLVED and opened is not None:
            resolution["channel"][channel].append((at - opened).total_seconds())
            resolution["agent"][agent_name(agent_id)].append((at - opened).total_seconds())
            opened, responded = None, False

    def summarized(groups: dict[str, list[float]]) -> dict[str, Percentiles]:
        return {key: summarize(values) for key, values in sorted(groups.items())}

    return {
        "first_response_by_channel": summarized(first["channel"]),
        "first_response_by_agent": summarized(first["agent"]),
        "resolution_by_channel": summarized(resolution["channel"]),
        "resolution_by_agent": summarized(resolution["agent"]),
    }


__all__ = ["Percentiles", "Report", "build_report", "parse_since"]
