"""The outbox worker: delivers committed outbound messages through their connectors.

Jobs are claimed with a lease (``locked_until``) in a short transaction — with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL so several processes drain one queue
without waiting on each other — then sent outside any transaction, then marked
done. A process that dies mid-send leaves a job whose lease expires; the next
claim asks the connector to ``reconcile`` before sending again, so a message the
provider already accepted is not sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import timedelta

from hub.actions.outbox import claim_jobs, settle_job
from hub.actions.replies import record_delivery
from hub.core import Hub
from hub.db import utcnow
from hub.errors import SendError
from hub.models import OutboxJob
from hub.models.outbox import DELIVER_MESSAGE, DONE, FAILED, MAX_ATTEMPTS, QUEUED
from hub.queries.outbox import outbound_message
from hub.types import Outbound

log = logging.getLogger(__name__)

BATCH = 20


def backoff(attempt: int) -> float:
    """Seconds before retry ``attempt`` (1-based): 2, 4, 8 ... capped at 15 minutes, jittered."""
    base = min(2.0**attempt, 900.0)
    return base * random.uniform(0.8, 1.2)


class OutboxWorker:
    def __init__(self, hub: Hub, *, poll_seconds: float | None = None) -> None:
        self.hub = hub
        self.poll_seconds = poll_seconds or hub.settings.outbox_poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self, grace: float = 5.0) -> None:
        """Let the current pass finish (so no database call is cut off mid-connect),
        then stop; cancel only if it overruns ``grace`` seconds. A job cut off here
        keeps its lease and is reconciled by the next worker."""
        self._stopping = True
        self._wakeup.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._stopping:
            try:
                worked = await self.drain_once()
            except Exception:
                log.exception("outbox pass failed")
                worked = 0
            if worked:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)
            self._wakeup.clear()

    async def drain_once(self) -> int:
        """Claim and run one batch of due jobs; returns how many were run."""
        jobs = await self._claim()
        if jobs:
            await asyncio.gather(*(self._run_job(job_id, attempts) for job_id, attempts in jobs))
        return len(jobs)

    async def _claim(self) -> list[tuple[int, int]]:
        lease = timedelta(seconds=self.hub.settings.outbox_lease_seconds)
        async with self.hub.uow() as uow:
            return await claim_jobs(uow, now=utcnow(), lease=lease, limit=BATCH)

    async def _run_job(self, job_id: int, attempts: int) -> None:
        async with self.hub.read() as session:
            job = await session.get(OutboxJob, job_id)
        if job is None:
            return
        if job.kind != DELIVER_MESSAGE:
            # Outside the read session: on SQLite every transaction takes the write
            # lock, and handlers write through units of work of their own.
            await self._run_other(job, attempts)
            return
        async with self.hub.read() as session:
            if job.event_id is None:
                await self._finish(job_id, FAILED, "message job without an event")
                return
            message = await outbound_message(session, job.event_id)
        if message is None:
            await self._finish(job_id, DONE, None)
            return
        connector = self.hub.connector(message.channel)
        if connector is None:
            await self._fail(job_id, message, "no_connector", f"no connector for {message.channel}")
            return
        try:
            result = None
            if attempts > 1:
                result = await connector.reconcile(message)
            if result is None:
                result = await connector.send(message)
        except SendError as exc:
            if exc.transient and attempts < MAX_ATTEMPTS:
                await self._retry(job_id, attempts, exc.message)
            else:
                await self._fail(job_id, message, exc.code or "send_failed", exc.message)
            return
        except Exception as exc:  # a bug or an unexpected library error: retry later
            log.exception("connector %s raised while sending", message.channel)
            if attempts < MAX_ATTEMPTS:
                await self._retry(job_id, attempts, repr(exc)[:400])
            else:
                await self._fail(job_id, message, "send_failed", repr(exc)[:400])
            return
        async with self.hub.uow() as uow:
            await record_delivery(
                uow,
                event_id=message.event_id,
                status=result.status,
                new_provider_id=result.provider_id,
            )
            await settle_job(uow, job_id, DONE, None)

    async def _run_other(self, job: OutboxJob, attempts: int) -> None:
        """Jobs other than message delivery run the handler registered for their kind
        in ``hub.job_handlers``; ``SendError(transient=True)`` retries with backoff."""
        handler = self.hub.job_handlers.get(job.kind)
        if handler is None:
            await self._finish(job.id, FAILED, f"no handler for job kind {job.kind!r}")
            return
        try:
            await handler(self.hub, job, attempts)
        except SendError as exc:
            if exc.transient and attempts < MAX_ATTEMPTS:
                await self._retry(job.id, attempts, exc.message)
            else:
                await self._finish(job.id, FAILED, exc.message[:500])
            return
        except Exception as exc:
            log.exception("outbox handler for %s failed", job.kind)
            if attempts < MAX_ATTEMPTS:
                await self._retry(job.id, attempts, repr(exc)[:400])
            else:
                await self._finish(job.id, FAILED, repr(exc)[:400])
            return
        await self._finish(job.id, DONE, None)

    async def _retry(self, job_id: int, attempts: int, error: str) -> None:
        retry_at = utcnow() + timedelta(seconds=backoff(attempts))
        async with self.hub.uow() as uow:
            await settle_job(uow, job_id, QUEUED, error, retry_at=retry_at)

    async def _fail(self, job_id: int, message: Outbound, code: str, error: str) -> None:
        async with self.hub.uow() as uow:
            await record_delivery(
                uow,
                event_id=message.event_id,
                status="failed",
                error_code=code,
                error_message=error,
            )
            await settle_job(uow, job_id, FAILED, error)

    async def _finish(self, job_id: int, state: str, error: str | None) -> None:
        async with self.hub.uow() as uow:
            await settle_job(uow, job_id, state, error)
