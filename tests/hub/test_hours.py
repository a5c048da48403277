"""Business hours: DST change days, holidays, overnight intervals, expected reply time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.errors import Invalid
from hub.rules.hours import (
    closed_period_key,
    expected_reply_minutes,
    is_open,
    make_schedule,
    next_opening,
)

WEEKDAYS_9_TO_5 = [{"day": d, "open": "09:00", "close": "17:00"} for d in range(7)]
NIGHTS = [{"day": d, "open": "22:00", "close": "06:00"} for d in range(7)]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_new_york_spring_forward_keeps_local_opening() -> None:
    ny = make_schedule("America/New_York", WEEKDAYS_9_TO_5)
    # Sat 7 Mar 2026 (EST, UTC-5): 09:00 local is 14:00 UTC.
    assert not is_open(ny, utc(2026, 3, 7, 13, 30))
    assert is_open(ny, utc(2026, 3, 7, 14, 0))
    # Sun 8 Mar 2026, clocks went forward at 02:00 (EDT, UTC-4): 09:00 local is 13:00 UTC.
    assert is_open(ny, utc(2026, 3, 8, 13, 30))
    assert not is_open(ny, utc(2026, 3, 8, 12, 59))
    assert next_opening(ny, utc(2026, 3, 8, 3, 0)) == utc(2026, 3, 8, 13, 0)
    assert not is_open(ny, utc(2026, 3, 8, 21, 0))  # 17:00 EDT


def test_new_york_fall_back() -> None:
    ny = make_schedule("America/New_York", WEEKDAYS_9_TO_5)
    # Sun 1 Nov 2026, back to EST: opens 14:00 UTC, closes 22:00 UTC.
    assert next_opening(ny, utc(2026, 11, 1, 5, 0)) == utc(2026, 11, 1, 14, 0)
    assert is_open(ny, utc(2026, 11, 1, 21, 59))
    assert not is_open(ny, utc(2026, 11, 1, 22, 0))


def test_berlin_overnight_shift_across_spring_forward() -> None:
    berlin = make_schedule("Europe/Berlin", NIGHTS)
    # Sat 28 Mar 22:00 CET = 21:00 UTC; Sun 29 Mar 06:00 CEST = 04:00 UTC (7 real hours).
    assert not is_open(berlin, utc(2026, 3, 28, 20, 59))
    assert is_open(berlin, utc(2026, 3, 28, 21, 0))
    assert is_open(berlin, utc(2026, 3, 29, 3, 59))
    assert not is_open(berlin, utc(2026, 3, 29, 4, 0))
    # The next night starts at 22:00 CEST = 20:00 UTC.
    assert next_opening(berlin, utc(2026, 3, 29, 4, 0)) == utc(2026, 3, 29, 20, 0)


def test_berlin_overnight_shift_across_fall_back() -> None:
    berlin = make_schedule("Europe/Berlin", NIGHTS)
    # Sat 24 Oct 22:00 CEST = 20:00 UTC; Sun 25 Oct 06:00 CET = 05:00 UTC (9 real hours).
    assert is_open(berlin, utc(2026, 10, 24, 20, 0))
    assert is_open(berlin, utc(2026, 10, 25, 4, 59))
    assert not is_open(berlin, utc(2026, 10, 25, 5, 0))


def test_overnight_hours_belong_to_the_day_they_start() -> None:
    friday_night = make_schedule("UTC", [{"day": "fri", "open": "22:00", "close": "06:00"}])
    assert is_open(friday_night, utc(2026, 11, 27, 23, 0))  # Friday 23:00
    assert is_open(friday_night, utc(2026, 11, 28, 5, 59))  # Saturday 05:59
    assert not is_open(friday_night, utc(2026, 11, 28, 6, 0))
    assert not is_open(friday_night, utc(2026, 11, 26, 23, 0))  # Thursday
    assert next_opening(friday_night, utc(2026, 11, 28, 6, 0)) == utc(2026, 12, 4, 22, 0)


def test_holidays_cancel_intervals_starting_that_day() -> None:
    schedule = make_schedule(
        "Europe/Berlin", WEEKDAYS_9_TO_5 + NIGHTS, holidays=["2026-12-25", "2026-12-26"]
    )
    assert not is_open(schedule, utc(2026, 12, 25, 10, 0))
    # The night shift begun on the 24th still runs into the morning of the 25th.
    assert is_open(schedule, utc(2026, 12, 25, 4, 0))
    assert not is_open(schedule, utc(2026, 12, 25, 22, 0))
    # Next opening after Christmas: Sun 27 Dec 09:00 CET = 08:00 UTC.
    assert next_opening(schedule, utc(2026, 12, 25, 10, 0)) == utc(2026, 12, 27, 8, 0)


def test_expected_reply_and_closed_period() -> None:
    schedule = make_schedule("UTC", WEEKDAYS_9_TO_5, reply_minutes=10)
    assert expected_reply_minutes(schedule, utc(2026, 11, 25, 12, 0)) == 10
    assert expected_reply_minutes(schedule, utc(2026, 11, 25, 8, 30)) == 40
    assert closed_period_key(schedule, utc(2026, 11, 25, 12, 0)) is None
    evening = closed_period_key(schedule, utc(2026, 11, 25, 18, 0))
    assert evening == closed_period_key(schedule, utc(2026, 11, 26, 7, 0))
    assert evening != closed_period_key(schedule, utc(2026, 11, 26, 18, 0))


def test_full_day_and_no_hours() -> None:
    always = make_schedule("UTC", [])
    assert always.always_open and is_open(always, utc(2026, 1, 1, 3, 0))
    full = make_schedule("UTC", [{"day": 0, "open": "00:00", "close": "24:00"}])
    assert is_open(full, utc(2026, 11, 23, 23, 59))  # Monday
    assert not is_open(full, utc(2026, 11, 24, 0, 0))


@pytest.mark.parametrize(
    "intervals",
    [
        [{"day": 7, "open": "09:00", "close": "17:00"}],
        [{"day": "mon", "open": "9am", "close": "17:00"}],
        [{"day": "mon", "open": "24:00", "close": "17:00"}],
        [{"day": "mon", "open": "09:00", "close": "25:00"}],
    ],
)
def test_bad_intervals_are_refused(intervals: list[dict[str, object]]) -> None:
    with pytest.raises(Invalid):
        make_schedule("UTC", intervals)


def test_bad_timezone_and_holiday_are_refused() -> None:
    with pytest.raises(Invalid):
        make_schedule("Mars/Olympus", WEEKDAYS_9_TO_5)
    with pytest.raises(Invalid):
        make_schedule("UTC", WEEKDAYS_9_TO_5, holidays=["25/12/2026"])
