"""Work a process repeats on a timer while it runs (pruning delivery logs, sweeping the
agents' revoked sessions).

Every process runs its own copy, so a job must be safe to run in several processes at
once (a delete of old rows, a look at this process's own sockets).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Awaits ``job()`` every ``every`` seconds, the first time ``first`` seconds after
    ``start()`` (default: ``every``), until ``stop()``. A failing run (the database is
    down) is logged as ``failed`` and the next round comes as planned."""

    def __init__(
        self,
        name: str,
        job: Callable[[], Awaitable[None]],
        *,
        every: float,
        first: float | None = None,
        failed: str,
    ) -> None:
        self.name = name
        self.job = job
        self.every = every
        self.first = every if first is None else first
        self.failed = failed
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        await asyncio.sleep(self.first)
        while True:
            try:
                await self.job()
            except Exception:
                log.warning("%s; next try later", self.failed, exc_info=True)
            await asyncio.sleep(self.every)
