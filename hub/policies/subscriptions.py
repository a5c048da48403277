"""Outbound webhooks as a hub policy: committed domain events become queued deliveries.

``install_subscriptions(hub)`` is called once by ``create_app``: it subscribes the
listener that turns committed domain events into queued deliveries and registers the
outbox handler that sends them (``hub.policies.webhook_delivery``).
"""

from __future__ import annotations

import time

from hub import events as ev
from hub.actions.subscriptions import JOB_KIND, enqueue_webhooks
from hub.core import Hub
from hub.policies.webhook_delivery import deliver_webhook
from hub.queries.subscriptions import subscribed_events
from hub.subscriptions.events import public_events

# How long the set of subscribed event names is trusted before it is read again, so
# that a hub with no endpoints opens no transaction per domain event.
SUBSCRIPTIONS_TTL = 5.0


def install_subscriptions(hub: Hub) -> None:
    """Wire webhooks into ``hub``: after-commit listener and ``webhook`` job handler."""
    subscribed: set[str] = set()
    read_at = -SUBSCRIPTIONS_TTL

    async def subscriptions() -> set[str]:
        nonlocal read_at
        if time.monotonic() - read_at >= SUBSCRIPTIONS_TTL:
            async with hub.read() as session:
                events = await subscribed_events(session)
            subscribed.clear()
            subscribed.update(events)
            read_at = time.monotonic()
        return subscribed

    async def on_event(event: ev.DomainEvent) -> None:
        nonlocal read_at
        if event.name == ev.WEBHOOKS_CHANGED:
            read_at = -SUBSCRIPTIONS_TTL  # an endpoint changed in this process
            return
        found = public_events(event)
        if not found or not {p.name for p in found} & await subscriptions():
            return
        # Listeners run after the domain event's transaction committed, so the
        # deliveries get a transaction of their own; the outbox key dedupes replays.
        async with hub.uow() as uow:
            await enqueue_webhooks(uow, found)

    hub.subscribe(on_event)
    hub.job_handlers[JOB_KIND] = deliver_webhook
