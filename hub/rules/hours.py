"""Business-hours arithmetic: is a team open at an instant, when does it next open.

A ``Schedule`` is pure data (no database): a time zone, weekly intervals in local
wall-clock time and holiday dates. Each interval belongs to the local day it starts
on; a ``close`` at or before ``open`` runs overnight into the next day, and a holiday
cancels the intervals that *start* on it (an overnight shift begun the evening before
still runs). Intervals are turned into absolute UTC spans day by day, so daylight
saving changes need no special case: 09:00 is 09:00 local on either side of a change,
and an overnight 22:00–06:00 shift is an hour shorter or longer on the change night.
A local time that does not exist (inside a spring-forward gap) is read with the
offset in force before the change, i.e. it lands just after the gap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import Invalid

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
# How far ahead next_opening looks (a year of holidays is the worst sane case).
HORIZON_DAYS = 400


@dataclass(frozen=True)
class Interval:
    """Open on ``day`` (Monday=0) from ``open`` for ``minutes`` (may cross midnight)."""

    day: int
    open: time
    minutes: int


@dataclass(frozen=True)
class Schedule:
    timezone: str
    intervals: tuple[Interval, ...]
    holidays: frozenset[date] = frozenset()
    reply_minutes: int = 5

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def always_open(self) -> bool:
        """A schedule with no intervals means "no business hours configured"."""
        return not self.intervals


def _parse_day(value: Any) -> int:
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    if isinstance(value, str) and value[:3].lower() in DAYS:
        return DAYS.index(value[:3].lower())
    raise Invalid(f"day must be 0-6 (Monday=0) or a day name, not {value!r}", code="invalid_hours")


def _parse_hhmm(value: Any) -> int:
    """Minutes since midnight for "HH:MM" (00:00 to 24:00)."""
    if not isinstance(value, str) or not _HHMM.match(value):
        raise Invalid(f"times are HH:MM (00:00 to 24:00), not {value!r}", code="invalid_hours")
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def parse_intervals(raw: Iterable[Mapping[str, Any]]) -> tuple[Interval, ...]:
    """Validate ``[{"day", "open", "close"}, ...]``; raises ``Invalid`` with the reason."""
    intervals = []
    for item in raw:
        day = _parse_day(item.get("day"))
        start = _parse_hhmm(item.get("open"))
        end = _parse_hhmm(item.get("close"))
        if start == 24 * 60:
            raise Invalid("an interval cannot open at 24:00", code="invalid_hours")
        minutes = end - start if end > start else end + 24 * 60 - start
        intervals.append(Interval(day, time(start // 60, start % 60), minutes))
    return tuple(intervals)


def parse_holidays(raw: Iterable[str]) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(value) for value in raw)
    except (TypeError, ValueError) as exc:
        raise Invalid("holidays are dates as YYYY-MM-DD", code="invalid_hours") from exc


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(f"unknown time zone {name!r}", code="invalid_timezone") from exc
    return name


def make_schedule(
    timezone: str,
    intervals: Iterable[Mapping[str, Any]],
    holidays: Iterable[str] = (),
    reply_minutes: int = 5,
) -> Schedule:
    """Build a validated ``Schedule`` from the stored (JSON) shape."""
    return Schedule(
        check_timezone(timezone),
        parse_intervals(intervals),
        parse_holidays(holidays),
        reply_minutes,
    )


def _spans(schedule: Schedule, first: date, days: int) -> Iterator[tuple[datetime, datetime]]:
    """Open spans in UTC of the intervals starting on local days ``first``.. in order."""
    tz = schedule.tz
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day in schedule.holidays:
            continue
        todays = sorted(
            (i for i in schedule.intervals if i.day == day.weekday()), key=lambda i: i.open
        )
        for interval in todays:
            start_local = datetime.combine(day, interval.open, tzinfo=tz)
            end_wall = start_local.replace(tzinfo=None) + timedelta(minutes=interval.minutes)
            end_local = end_wall.replace(tzinfo=tz)
            yield start_local.astimezone(UTC), end_local.astimezone(UTC)


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("business-hours checks need a timezone-aware datetime")
    return at.astimezone(UTC)


def is_open(schedule: Schedule, at: datetime) -> bool:
    """Whether ``at`` (aware) falls inside an opening interval."""
    at = _require_aware(at)
    if schedule.always_open:
        return True
    local_day = at.astimezone(schedule.tz).date()
    return any(start <= at < end for start, end in _spans(schedule, local_day - timedelta(1), 2))


def current_close(schedule: Schedule, at: datetime) -> datetime | None:
    """When the interval open at ``at`` ends (UTC), or None when closed/always open."""
    at = _require_aware(at)
    if schedule.always_open:
        return None
    local_day = at.astimezone(schedule.tz).date()
    ends = [
        end for start, end in _spans(schedule, local_day - timedelta(1), 2) if start <= at < end
    ]
    return max(ends) if ends else None


def next_opening(schedule: Schedule, at: datetime) -> datetime | None:
    """The first opening strictly after ``at`` (UTC), or None if none within ~a year.

    While open this is the *next* opening, not the current one; use ``is_open`` first.
    """
    at = _require_aware(at)
    if schedule.always_open:
        return None
    local_day = at.astimezone(schedule.tz).date()
    for start, _ in _spans(schedule, local_day - timedelta(1), HORIZON_DAYS):
        if start > at:
            return start
    return None


def expected_reply_minutes(schedule: Schedule, at: datetime) -> int | None:
    """Minutes until a typical reply: ``reply_minutes`` while open, else the wait until
    the next opening plus ``reply_minutes``; None when the team never opens again."""
    if is_open(schedule, at):
        return schedule.reply_minutes
    opening = next_opening(schedule, at)
    if opening is None:
        return None
    wait = (opening - _require_aware(at)).total_seconds() / 60
    return int(wait + 0.999) + schedule.reply_minutes


def closed_period_key(schedule: Schedule, at: datetime) -> str | None:
    """An id of the closed period containing ``at`` (its end, ISO UTC); None while open."""
    if is_open(schedule, at):
        return None
    opening = next_opening(schedule, at)
    return opening.isoformat() if opening else "closed"
