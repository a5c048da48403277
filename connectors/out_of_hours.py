"""The out-of-hours auto-reply, for connectors whose customers write messages.

A connector calls ``answer_if_closed`` once a customer's message is committed (never
for a replayed provider id, a consent keyword or a CSAT answer). The schedule is read
first without a write transaction, so while the team is open (or no schedule is
configured: always open) a message costs one small query and nothing else.
"""

from __future__ import annotations

from hub.actions.hours import auto_reply_if_closed, get_schedule
from hub.core import Hub
from hub.db import utcnow
from hub.hours import is_open
from hub.models import Event


async def answer_if_closed(hub: Hub, customer_id: int, channel: str) -> Event | None:
    """Send the default team's out-of-hours reply on ``channel`` if it is closed now.

    At most once per customer per closed period (``auto_reply_if_closed`` decides,
    also across processes); the reply is an ordinary outbound message delivered by
    the outbox. Returns the queued reply, or None.
    """
    async with hub.read() as db:
        schedule = await get_schedule(db)
    if schedule is None or is_open(schedule, utcnow()):
        return None
    async with hub.uow() as uow:
        return await auto_reply_if_closed(uow, customer_id, channel)
