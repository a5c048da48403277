"""The hub's runtime: settings, database, connectors and the post-commit publisher.

``Hub`` is built once by ``create_app`` (or by the CLI and tests) and passed to
whatever needs the core. All writes go through ``async with hub.uow() as uow:`` and
the action functions in ``hub.actions``; domain events recorded on the unit of work
are published only after its transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hub.counters import Counter, make_counter
from hub.db import create_engine, create_sessionmaker
from hub.events import DomainEvent
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.channels import Connector
    from hub.commerce.service import CommerceService
    from hub.types import InboundStored

log = logging.getLogger(__name__)

Listener = Callable[[DomainEvent], Awaitable[None]]
# A policy that runs after new customer input committed, whatever the channel.
InboundHook = Callable[["InboundStored"], Awaitable[None]]
# Runs one outbox job of a given kind (other than message delivery); raising
# ``hub.errors.SendError(transient=True)`` retries it later with backoff.
JobHandler = Callable[["Hub", Any, int], Awaitable[None]]


class UnitOfWork:
    """One transaction plus the domain events and callbacks to run once it commits."""

    def __init__(self, hub: Hub, session: AsyncSession) -> None:
        self.hub = hub
        self.session = session
        self.events: list[DomainEvent] = []
        self.after_commit: list[Callable[[], Awaitable[None]]] = []

    @property
    def settings(self) -> Settings:
        return self.hub.settings

    def emit(self, event: DomainEvent) -> None:
        self.events.append(event)

    def on_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        self.after_commit.append(callback)


class Hub:
    def __init__(self, settings: Settings, engine: AsyncEngine | None = None) -> None:
        self.settings = settings
        self.engine = engine or create_engine(settings.database_url)
        self.sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(self.engine)
        # Reads never take SQLite's write lock; on PostgreSQL they share the one engine.
        self.read_engine = (
            create_engine(settings.database_url, read_only=True)
            if settings.is_sqlite and engine is None
            else self.engine
        )
        self.read_sessionmaker = create_sessionmaker(self.read_engine)
        self.connectors: dict[str, Connector] = {}
        self.listeners: list[Listener] = []
        self.inbound_hooks: list[InboundHook] = []
        # Set by the app's lifespan when an outbox worker runs in this process.
        self.outbox_wakeup: Callable[[], None] | None = None
        # Ids of agents with a console open (set by create_app from the /agent namespace).
        self.presence: Callable[[], set[int]] = set
        self.job_handlers: dict[str, JobHandler] = {}
        # The shop (orders, stock, order actions), set by a shop connector; None without one.
        self.commerce: CommerceService | None = None
        # Sliding-window counters for limits that hold across processes (sign-in
        # throttling, SMS-pumping limits): Redis when configured, else this process.
        self.counters: Counter = make_counter(
            settings.redis_url, f"{settings.redis_channel}:limits"
        )

    def add_connector(self, connector: Connector) -> None:
        self.connectors[connector.channel] = connector

    def connector(self, channel: str) -> Connector | None:
        return self.connectors.get(channel)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` after commit for every domain event."""
        self.listeners.append(listener)

    def after_inbound(self, hook: InboundHook) -> None:
        """Call ``hook`` once new customer input committed, for every channel (the
        hub's inbound policies: ``hub.policies``)."""
        self.inbound_hooks.append(hook)

    async def run_inbound_hooks(self, stored: InboundStored) -> None:
        """Run every inbound policy for ``stored``; one failing does not stop the others."""
        for hook in self.inbound_hooks:
            await _isolated(hook(stored), "inbound policy failed for event %s", stored.event_id)

    async def wake_outbox(self) -> None:
        """Tell this process's outbox worker that new work was committed."""
        if self.outbox_wakeup is not None:
            self.outbox_wakeup()

    @asynccontextmanager
    async def uow(self) -> AsyncIterator[UnitOfWork]:
        """Open a transaction; commit on success, then publish its events."""
        async with self.sessionmaker() as session:
            uow = UnitOfWork(self, session)
            async with session.begin():
                yield uow
        await self.publish(uow.events)
        for callback in uow.after_commit:
            await _isolated(callback(), "after-commit callback failed")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries only; nothing is committed (never write through it)."""
        async with self.read_sessionmaker() as session:
            yield session

    async def publish(self, events: list[DomainEvent]) -> None:
        for event in events:
            for listener in self.listeners:
                await _isolated(listener(event), "listener failed for %s", event.name)

    async def dispose(self) -> None:
        await self.counters.close()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


async def _isolated(call: Awaitable[None], failed: str, *args: object) -> None:
    """Await ``call``; a failure is logged (``failed % args``) and goes no further, so
    one policy, listener or callback failing does not stop the others."""
    try:
        await call
    except Exception:
        log.exception(failed, *args)
