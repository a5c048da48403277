"""Retention on schedule: call recordings and transcripts
(``HUB_RECORDING_RETENTION_DAYS``), and delivery logs (``HUB_DELIVERY_LOG_RETENTION_DAYS``,
default 30). The writes are actions (``hub.actions.retention``); this module runs them.

Calls keep their timeline row (type, status, duration, timestamps) forever; what
expires is what was said: every ``Event.data`` key of a ``call`` event that starts
with ``recording`` or ``transcri`` (the recording list with its URLs, the transcript
text) once the call is older than the retention period. A purged event gets
``data["media_purged_at"]``.

The app runs the purge once a day through the outbox (job kind ``purge_recordings``,
one job per UTC day, so several processes never run it twice and a restart does not
skip a day): ``schedule_recording_purge`` registers the handler and queues today's
run. ``hub purge-recordings`` runs it by hand.

Delivery logs hold copies of what customers said and who they are (a terminal's stored
ack carries the customer card it answered; a webhook delivery, the event's payload):
``prune_delivery_logs`` deletes stored terminal acks and finished webhook deliveries
(with their attempts) older than ``HUB_DELIVERY_LOG_RETENTION_DAYS``; ``0`` keeps them
forever. Every process that runs an outbox worker prunes a minute after it starts and
then every ``PRUNE_EVERY`` (``DeliveryLogPruner``): a delete of old rows is the same
whoever runs it, so several processes need no coordination and no queued job.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from hub.actions.retention import (
    PURGE_JOB,
    prune_delivery_logs,
    purge_recordings,
    queue_recording_purge,
)
from hub.core import Hub
from hub.db import utcnow
from hub.workers.periodic import Periodic

log = logging.getLogger(__name__)

FIRST_PRUNE_AFTER = 60.0
PRUNE_EVERY = 6 * 3600.0
RUN_EVERY = timedelta(days=1)


class DeliveryLogPruner(Periodic):
    """Runs ``prune_delivery_logs`` in this process: ``FIRST_PRUNE_AFTER`` seconds after
    ``start()``, then every ``PRUNE_EVERY``; a failure (database down) waits for the
    next round. Does nothing when the retention period is 0 (keep forever)."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(
            "prune-delivery-logs",
            self._prune,
            every=PRUNE_EVERY,
            first=FIRST_PRUNE_AFTER,
            failed="pruning delivery logs failed",
        )
        self.hub = hub

    def start(self) -> None:
        if self.hub.settings.delivery_log_retention_days > 0:
            super().start()

    async def _prune(self) -> None:
        days = self.hub.settings.delivery_log_retention_days
        async with self.hub.uow() as uow:
            acks, deliveries = await prune_delivery_logs(uow, days)
        if acks or deliveries:
            log.info("pruned %d terminal acks and %d webhook deliveries", acks, deliveries)


async def _run_purge_job(hub: Hub, job: Any, attempts: int) -> None:
    days = hub.settings.recording_retention_days
    if days is None:
        return
    async with hub.uow() as uow:
        count = await purge_recordings(uow, days)
    if count:
        log.info("purged recordings and transcripts of %d calls older than %d days", count, days)
    await _queue_purge(hub, utcnow() + RUN_EVERY)


async def _queue_purge(hub: Hub, when: datetime) -> None:
    async with hub.uow() as uow:
        queued = await queue_recording_purge(uow, when)
    if queued:
        await hub.wake_outbox()


async def schedule_recording_purge(hub: Hub) -> None:
    """Called once at startup: handle ``purge_recordings`` jobs in this process and,
    when a retention period is set, queue today's purge. Never raises (a database
    that is down at startup only delays the purge to the next start)."""
    hub.job_handlers[PURGE_JOB] = _run_purge_job
    if hub.settings.recording_retention_days is None:
        return
    try:
        await _queue_purge(hub, utcnow())
    except Exception:
        log.exception("could not schedule the recording purge")
