"""Business-hours schedules for connector tests, relative to the real clock.

``closed_now`` opens only on the weekday three days from today, so "now" is always
inside a closed period; ``open_all_week`` is open around the clock.
"""

from __future__ import annotations

from hub.actions.hours import set_business_hours
from hub.core import Hub
from hub.db import utcnow

AUTO_REPLY = "We're closed, back {opening}."


def closed_day() -> int:
    return (utcnow().weekday() + 3) % 7


async def closed_now(hub: Hub, *, reply_minutes: int = 5, auto_reply: str = AUTO_REPLY) -> None:
    async with hub.uow() as uow:
        await set_business_hours(
            uow,
            timezone="UTC",
            intervals=[{"day": closed_day(), "open": "09:00", "close": "10:00"}],
            reply_minutes=reply_minutes,
            auto_reply=auto_reply,
        )


async def open_all_week(hub: Hub, *, reply_minutes: int = 7) -> None:
    async with hub.uow() as uow:
        await set_business_hours(
            uow,
            timezone="UTC",
            intervals=[{"day": day, "open": "00:00", "close": "24:00"} for day in range(7)],
            reply_minutes=reply_minutes,
        )
