"""Group commit for inbound traffic: many webhooks share one transaction.

``HubPort.ingest`` (what connectors call) submits here. Submissions that arrive while a
transaction is in progress wait and go together in the next one. Every caller is
answered only after the transaction holding its input committed — a 2xx still means
"stored". If one input is refused (``HubError``), or the batch fails to commit (a
deadlock, a lost connection), the batch is rolled back and its inputs run again one
per transaction, so only the bad one fails.

On one SQLite file this turns N commits into one; on PostgreSQL it cuts round trips
and WAL flushes the same way. The batch is stored by ``receive_batch`` (the one inbound
write path): a fixed number of statements per batch, not per input.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hub.actions.inbound import Received, receive_batch
from hub.errors import HubError
from hub.types import Inbound

if TYPE_CHECKING:
    from hub.core import Hub

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
        """Store ``inbound`` (see ``receive_batch``) and return once it is committed."""
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
            except Exception as exc:
                if len(batch) == 1:
                    if not batch[0].future.done():
                        batch[0].future.set_exception(exc)
                    continue
                if not isinstance(exc, HubError):
                    log.warning("group commit of %d failed (%r); one by one", len(batch), exc)
                for item in batch:
                    if not item.future.done():
                        try:
                            await self._commit([item])
                        except Exception as one_exc:
                            if not item.future.done():
                                item.future.set_exception(one_exc)

    async def _commit(self, batch: list[_Item]) -> None:
        """One transaction for the whole batch (``receive_batch``). An input refused
        before writing fails alone; a ``HubError`` raised while writing aborts the
        batch, which ``_drain`` then retries input by input so only the bad one fails."""
        async with self.hub.uow() as uow:
            # Callers read what was stored; nothing of it is changed in this session.
            answers = await receive_batch(uow, [item.inbound for item in batch], in_session=False)
        for item, answer in zip(batch, answers, strict=True):
            if item.future.done():
                continue
            if isinstance(answer, HubError):
                item.future.set_exception(answer)
            else:
                item.future.set_result(answer)
