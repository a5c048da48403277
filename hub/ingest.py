"""Group commit for inbound traffic: many webhooks share one transaction.

``hub.ingest(inbound)`` is what connectors call. Submissions that arrive while a
transaction is in progress wait and go together in the next one. Every caller is
answered only after the transaction holding its input committed — a 2xx still means
"stored". If one input is refused (``HubError``), or the batch fails to commit (a
deadlock, a lost connection), the batch is rolled back and its inputs run again one
per transaction, so only the bad one fails.

On one SQLite file this turns N commits into one; on PostgreSQL it cuts round trips
and WAL flushes the same way.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select, tuple_

from hub.actions.inbound import Received, receive_inbound
from hub.errors import HubError
from hub.models import Event
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
        """One transaction for the whole batch. Inputs already stored (replays) are
        found with one query; a refused input (``HubError``) aborts the batch, which
        ``_drain`` then retries input by input so only the bad one fails."""
        results: list[tuple[_Item, Received]] = []
        async with self.hub.uow() as uow:
            stored = await _stored_provider_ids(uow, [item.inbound for item in batch])
            for item in batch:
                inbound = item.inbound
                if len(batch) == 1:
                    received = await receive_inbound(uow, inbound)
                else:
                    key = (inbound.channel, inbound.provider_id)
                    received = await receive_inbound(uow, inbound, checked_new=key not in stored)
                    stored.add(key)
                results.append((item, received))
        for item, received in results:
            if not item.future.done():
                item.future.set_result(received)


async def _stored_provider_ids(
    uow: UnitOfWork, inputs: list[Inbound]
) -> set[tuple[str, str | None]]:
    """The ``(channel, provider_id)`` pairs among ``inputs`` already in the timeline."""
    wanted = {(i.channel, i.provider_id) for i in inputs if i.provider_id is not None}
    if not wanted:
        return set()
    found = await uow.session.execute(
        select(Event.channel, Event.provider_id).where(
            tuple_(Event.channel, Event.provider_id).in_(list(wanted))
        )
    )
    return {(channel, provider_id) for channel, provider_id in found.all()}
