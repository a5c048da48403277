"""Outbound webhooks: public events, signed deliveries through the outbox, SSRF guard.

``install_webhooks(hub)`` is called once by ``create_app``: it subscribes the
listener that turns committed domain events into queued deliveries and registers the
outbox handler that sends them. Admin actions are in ``hub.actions.webhooks``, the
delivery log in ``hub.queries.webhooks``; receivers verify with ``docs/webhooks.md``.
"""

from __future__ import annotations

from hub import events as ev
from hub.core import Hub


def install_webhooks(hub: Hub) -> None:
    """Wire webhooks into ``hub``: after-commit listener and ``webhook`` job handler."""
    from hub.actions.webhooks import JOB_KIND, enqueue_webhooks
    from hub.webhooks.delivery import deliver_webhook
    from hub.webhooks.events import public_events

    async def on_event(event: ev.DomainEvent) -> None:
        # Listeners run after the domain event's transaction committed, so the
        # deliveries get a transaction of their own; the outbox key dedupes replays.
        found = public_events(event)
        if not found:
            return
        async with hub.uow() as uow:
            await enqueue_webhooks(uow, found)

    hub.subscribe(on_event)
    hub.job_handlers[JOB_KIND] = deliver_webhook
