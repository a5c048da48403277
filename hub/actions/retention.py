"""Retention writes: call recordings and transcripts past
``HUB_RECORDING_RETENTION_DAYS`` are removed, delivery logs past
``HUB_DELIVERY_LOG_RETENTION_DAYS`` deleted. ``hub.workers.retention`` runs them on schedule
(the rules: its module docstring); ``hub purge-recordings`` by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, or_, select

from hub.actions.audit import record_audit
from hub.core import UnitOfWork
from hub.db import add_if_new, utcnow
from hub.models import Event, OutboxJob, TerminalFrame, WebhookDelivery
from hub.models.subscriptions import DELIVERED, FAILED
from hub.models.thread import CALL

PURGED_PREFIXES = ("recording", "transcri")
PURGED_MARK = "media_purged_at"
PURGE_JOB = "purge_recordings"


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


async def queue_recording_purge(uow: UnitOfWork, when: datetime) -> bool:
    """Queue the purge of ``when``'s UTC day (an outbox job due at ``when``) unless it is
    queued or done already; whether this call queued it."""
    key = f"{PURGE_JOB}:{when.date().isoformat()}"
    exists = await uow.session.execute(select(OutboxJob.id).where(OutboxJob.key == key))
    if exists.first() is not None:
        return False
    # False when another process queued it first.
    return await add_if_new(uow.session, OutboxJob(kind=PURGE_JOB, key=key, next_attempt_at=when))
