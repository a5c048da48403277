"""The outbox's job bookkeeping, for its worker (``hub.workers.outbox``): claiming due jobs
under a lease, and settling each one (done, failed for good, or queued again)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from hub.core import UnitOfWork
from hub.models import OutboxJob
from hub.models.outbox import IN_FLIGHT, QUEUED

MAX_ERROR = 500


async def claim_jobs(
    uow: UnitOfWork, *, now: datetime, lease: timedelta, limit: int
) -> list[tuple[int, int]]:
    """Lease up to ``limit`` due jobs (queued, or in flight with an expired lease) until
    ``now + lease``, counting the attempt; ``(job id, attempt number)`` of each. On
    PostgreSQL locked rows are skipped, so several workers drain one queue."""
    query = (
        select(OutboxJob)
        .where(
            OutboxJob.state.in_((QUEUED, IN_FLIGHT)),
            OutboxJob.next_attempt_at <= now,
            or_(OutboxJob.locked_until.is_(None), OutboxJob.locked_until < now),
        )
        .order_by(OutboxJob.id)
        .limit(limit)
    )
    if not uow.settings.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for job in (await uow.session.execute(query)).scalars():
        job.attempts += 1
        job.state = IN_FLIGHT
        job.locked_until = now + lease
        claimed.append((job.id, job.attempts))
    return claimed


async def settle_job(
    uow: UnitOfWork, job_id: int, state: str, error: str | None, *, retry_at: datetime | None = None
) -> None:
    """Release job ``job_id``'s lease in ``state`` (done, failed, or queued again to run
    at ``retry_at``), keeping the first ``MAX_ERROR`` characters of ``error``."""
    job = await uow.session.get(OutboxJob, job_id)
    if job is None:
        return
    job.state = state
    job.locked_until = None
    job.last_error = error[:MAX_ERROR] if error is not None else None
    if retry_at is not None:
        job.next_attempt_at = retry_at
