"""Sends the CSAT survey after a resolve (when ``settings.csat_surveys`` is on).

Listens for the timeline's ``status`` event that resolves a thread and queues the
survey in a new unit of work (listeners run after the resolving transaction
committed). The status event's id is the survey key, so a republished event asks once.
"""

from __future__ import annotations

import logging

from hub import events as ev
from hub.actions.csat import queue_csat_survey
from hub.core import Hub
from hub.models.thread import RESOLVED, STATUS

log = logging.getLogger(__name__)


def resolving_event_id(event: ev.DomainEvent) -> int | None:
    """The id of the status event when ``event`` records a thread being resolved."""
    if event.name != ev.EVENT_CREATED:
        return None
    data = event.payload.get("event") or {}
    if data.get("type") != STATUS or (data.get("data") or {}).get("to") != RESOLVED:
        return None
    event_id = data.get("id")
    return int(event_id) if event_id is not None else None


def install_csat(hub: Hub) -> None:
    """Subscribe the survey sender to ``hub`` (called once by ``create_app``)."""

    async def on_event(event: ev.DomainEvent) -> None:
        if not hub.settings.csat_surveys or event.customer_id is None:
            return
        status_event_id = resolving_event_id(event)
        if status_event_id is None:
            return
        async with hub.uow() as uow:
            await queue_csat_survey(uow, event.customer_id, key=f"resolve:{status_event_id}")

    hub.subscribe(on_event)
