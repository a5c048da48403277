"""Retention: call recordings and transcripts (``HUB_RECORDING_RETENTION_DAYS``), and
delivery logs (``HUB_DELIVERY_LOG_RETENTION_DAYS``, default 30).

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

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, or_, select
from sqlalchemy.exc import IntegrityError

from hub.actions.audit import record_audit
from hub.core import Hub, UnitOfWork
from hub.db import utcnow
from hub.models import Event, OutboxJob, TerminalFrame, WebhookDelivery
from hub.models.subscriptions import DELIVERED, FAILED
from hub.models.thread import CALL

log = logging.getLogger(__name__)

PURGED_PREFIXES = ("recording", "transcri")
PURGED_MARK = "media_purged_at"
PURGE_JOB = "purge_recordings"
FIRST_PRUNE_AFTER = 60.0
PRUNE_EVERY = 6 * 3600.0
RUN_EVERY = timedelta(days=1)


def strip_recordings(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """``data`` without recording and transcript keys, or None when it has none."""
    data = data or {}
    if not any(key.startswith(PURGED_PREFIXES) for key in data):
        return None
    return {k: v for k, v in data.items() if not k.startswith(PURGED_PREFIXES)}


async def purge_recordings(
    uow: UnitOfWork, older_than_days: int, *, actor: str = "system", now: datetime | None = None
) -> int:
    """Remove recordings and transcripts from call events older than ``older_than_days``.

    Returns how many events were purged; audits ``recordings.purged`` with that count
    when it is not zero. Idempotent: purged events have nothing left to remove.
    """
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    now = now or utcnow()
    cutoff = now - timedelta(days=older_than_days)
    # A cheap textual pre-filter on both engines; the keys are checked in Python.
    text = cast(Event.data, String)
    query = select(Event).where(
        Event.type == CALL,
        Event.created_at < cutoff,
        or_(*(text.like(f'%"{prefix}%') for prefix in PURGED_PREFIXES)),
    )
    purged = 0
    for event in (await uow.session.execute(query)).scalars():
        stripped = strip_recordings(event.data)
        if stripped is None:
            continue
        stripped[PURGED_MARK] = now.isoformat()
        event.data = stripped
        purged += 1
    await uow.session.flush()
    if purged:
        await record_audit(
            uow, actor, "recordings.purged", None, None, {"events": purged, "days": older_than_days}
        )
    return purged


async def prune_delivery_logs(
    uow: UnitOfWork, older_than_days: int, *, now: datetime | None = None
) -> tuple[int, int]:
    """Delete stored terminal acks and finished (delivered or failed) webhook deliveries
    older than ``older_than_days``; returns ``(acks, deliveries)`` deleted. A terminal
    resending a frame that old gets it applied again (terminals resend within minutes)."""
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    acks = await uow.session.execute(delete(TerminalFrame).where(TerminalFrame.created_at < cutoff))
    deliveries = await uow.session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.created_at < cutoff, WebhookDelivery.state.in_((DELIVERED, FAILED))
        )
    )
    counts = (int(acks.rowcount or 0), int(deliveries.rowcount or 0))  # type: ignore[attr-defined]
    if any(counts):
        await record_audit(
            uow,
            "system",
            "delivery_logs.pruned",
            None,
            None,
            {"terminal_acks": counts[0], "webhook_deliveries": counts[1], "days": older_than_days},
        )
    return counts


class DeliveryLogPruner:
    """Runs ``prune_delivery_logs`` in this process: ``FIRST_PRUNE_AFTER`` seconds after
    ``start()``, then every ``PRUNE_EVERY``; a failure (database down) waits for the
    next round."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.hub.settings.delivery_log_retention_days > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="prune-delivery-logs")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        await asyncio.sleep(FIRST_PRUNE_AFTER)
        while True:
            days = self.hub.settings.delivery_log_retention_days
            try:
                async with self.hub.uow() as uow:
                    acks, deliveries = await prune_delivery_logs(uow, days)
                if acks or deliveries:
                    log.info("pruned %d terminal acks and %d webhook deliveries", acks, deliveries)
            except Exception:
                log.warning("pruning delivery logs failed; next try later", exc_info=True)
            await asyncio.sleep(PRUNE_EVERY)


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
    """Queue the purge of ``when``'s UTC day unless it is queued or done already."""
    key = f"{PURGE_JOB}:{when.date().isoformat()}"
    async with hub.uow() as uow:
        exists = await uow.session.execute(select(OutboxJob.id).where(OutboxJob.key == key))
        if exists.first() is not None:
            return
        try:
            async with uow.session.begin_nested():
                uow.session.add(OutboxJob(kind=PURGE_JOB, key=key, next_attempt_at=when))
                await uow.session.flush()
        except IntegrityError:
            return  # another process queued it first
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
