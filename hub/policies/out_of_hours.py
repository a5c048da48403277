"""The out-of-hours auto-reply, for every channel, and the cached business schedule.

``install_out_of_hours`` (called by ``create_app``) makes the hub answer new live
customer messages that await a reply while the default team is closed (never a
replay, a consent keyword, a CSAT rating, an automatic email or history loaded with a
past time); no connector calls it. The default team's schedule is cached per hub
(``ScheduleCache``), so while the team is open, or no schedule is configured (always
open), a message costs no query at all.
"""

from __future__ import annotations

import time
from weakref import WeakKeyDictionary

from hub import events as ev
from hub.actions.hours import auto_reply_if_closed, get_schedule
from hub.core import Hub
from hub.db import utcnow
from hub.models import Event
from hub.models.thread import MESSAGE
from hub.rules.hours import Schedule, is_open
from hub.types import InboundStored

# How stale another process's change to the schedule may be seen here.
CACHE_SECONDS = 5.0


class ScheduleCache:
    """The default team's schedule, re-read at most every ``CACHE_SECONDS``.

    A change committed in this process (``hours.changed``) is seen at once; one made
    in another hub process within ``CACHE_SECONDS``. Only a read hint: the auto-reply
    itself re-checks the schedule in its own transaction.
    """

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._schedule: Schedule | None = None
        self._read_at = float("-inf")

    async def get(self) -> Schedule | None:
        started = time.monotonic()
        if started - self._read_at > CACHE_SECONDS:
            async with self.hub.read() as db:
                self._schedule = await get_schedule(db)
            self._read_at = started
        return self._schedule

    def invalidate(self) -> None:
        self._read_at = float("-inf")


_CACHES: WeakKeyDictionary[Hub, ScheduleCache] = WeakKeyDictionary()


def schedule_cache(hub: Hub) -> ScheduleCache:
    """``hub``'s cache, created (and subscribed to ``hours.changed``) on first use
    (``install_out_of_hours``, with the app)."""
    cache = _CACHES.get(hub)
    if cache is None:
        cache = _CACHES[hub] = ScheduleCache(hub)

        async def on_event(event: ev.DomainEvent) -> None:
            if event.name == ev.HOURS_CHANGED:
                cache.invalidate()

        hub.subscribe(on_event)
    return cache


async def answer_if_closed(hub: Hub, customer_id: int, channel: str) -> Event | None:
    """Send the default team's out-of-hours reply on ``channel`` if it is closed now.

    At most once per customer per closed period (``auto_reply_if_closed`` decides,
    also across processes); the reply is an ordinary outbound message delivered by
    the outbox. Returns the queued reply, or None.
    """
    schedule = await schedule_cache(hub).get()
    if schedule is None or is_open(schedule, utcnow()):
        return None
    async with hub.uow() as uow:
        return await auto_reply_if_closed(uow, customer_id, channel)


def install_out_of_hours(hub: Hub) -> None:
    """Answer new live customer messages on their channel while the team is closed."""
    schedule_cache(hub)

    async def on_inbound(stored: InboundStored) -> None:
        if (
            stored.live
            and stored.type == MESSAGE
            and stored.awaits_reply
            and stored.consent is None
        ):
            await answer_if_closed(hub, stored.customer_id, stored.channel)

    hub.after_inbound(on_inbound)
