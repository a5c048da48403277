"""Group commit for inbound traffic: many webhooks share one transaction.

``hub.ingest(inbound)`` is what connectors call. Submissions that arrive while a
transaction is in progress wait and go together in the next one, each inside its own
SAVEPOINT so one bad input fails alone. Every caller is answered only after the
transaction holding its input committed — a 2xx still means "stored". If a batch
fails to commit (a deadlock, a lost connection), each input is retried once in a
transaction of its own before the error reaches its caller.

On one SQLite file this turns N commits into one; on PostgreSQL it cuts round trips
and WAL flushes the same way.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hub.actions.inbound import Received, receive_inbound
from hub.errors import HubError
from hub.types import Inbound

if TYPE_CHECKING:
    from hub.core import Hub, UnitOfWork

log = logging.getLogger(__name__)

MAX_BATCH = 100


@dataclass
class _Item:
    inbound: Inbound
    future: asyncio.Future[Received] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class IngestBatcher:
    def __init__(self, hub: Hub, *, max_batch: int = MAX_BATCH) -> None:
        self.hub = hub
        self.max_batch = max_batch
        self._pending: list[_Item] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, inbound: Inbound) -> Received:
        """Store ``inbound`` (see ``receive_inbound``) and return once it is committed."""
        item = _Item(inbound)
        self._pending.append(item)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="ingest")
        return await item.future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = (
                self._pending[: self.max_batch],
                self._pending[self.max_batch :],
            )
            try:
                await self._commit(batch)
            except Exception:
                log.warning("group commit of %d failed; retrying one by one", len(batch))
                for item in batch:
                    if not item.future.done():
                        try:
                            await self._commit([item])
                        except Exception as exc:
                            if not item.future.done():
                                item.future.set_exception(exc)

    async def _commit(self, batch: list[_Item]) -> None:
        outcomes: list[tuple[_Item, Received | None, BaseException | None]] = []
        async with self.hub.uow() as uow:
            for item in batch:
                outcomes.append((item, *(await _one(uow, item.inbound))))
        for item, received, error in outcomes:
            if item.future.done():
                continue
            if error is not None:
                item.future.set_exception(error)
            else:
                assert received is not None
                item.future.set_result(received)


async def _one(uow: UnitOfWork, inbound: Inbound) -> tuple[Received | None, HubError | None]:
    """Run one input in a savepoint; a refusal rolls back only that input."""
    events_before = len(uow.events)
    callbacks_before = len(uow.after_commit)
    try:
        async with uow.session.begin_nested():
            return await receive_inbound(uow, inbound), None
    except HubError as exc:
        del uow.events[events_before:]
        del uow.after_commit[callbacks_before:]
        return None, exc
