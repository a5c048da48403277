"""What the widget is told about business hours (the ``hours`` key of ``session`` and
of the ``status`` ack; see docs/widget.md).
"""

from __future__ import annotations

from typing import Any

from hub.db import utcnow
from hub.port import HubPort
from hub.rules.hours import expected_reply_minutes, is_open, next_opening
from hub.serializers import iso


async def hours_view(port: HubPort) -> dict[str, Any] | None:
    """``{"open", "reply_minutes", "next_opening", "timezone"}`` for the default team now,
    or None when no business hours are configured (always open; the widget shows
    nothing new).

    ``reply_minutes`` is ``expected_reply_minutes``: the team's typical reply time
    while open, else the wait until the next opening plus that time (None when the
    team never opens again). ``next_opening`` is ISO 8601 UTC, set only while closed.
    """
    schedule = await port.business_hours()
    if schedule is None or schedule.always_open:
        return None
    now = utcnow()
    opened = is_open(schedule, now)
    return {
        "open": opened,
        "reply_minutes": expected_reply_minutes(schedule, now),
        "next_opening": None if opened else iso(next_opening(schedule, now)),
        "timezone": schedule.timezone,
    }
