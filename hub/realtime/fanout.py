"""The one place that maps domain events to socket.io rooms of the agent console."""

from __future__ import annotations

from typing import Any

import socketio

from hub import events as ev
from hub.core import Hub
from hub.queries.screen_pop import screen_pop
from hub.realtime.agents import ALL_AGENTS, NAMESPACE, agent_room, customer_room

# Events every agent's console receives (the inbox and open threads update live).
_BROADCAST = {
    ev.EVENT_CREATED,
    ev.EVENT_UPDATED,
    ev.THREAD_UPDATED,
    ev.CUSTOMER_UPDATED,
    ev.CUSTOMER_MERGED,
    ev.CUSTOMER_UNMERGED,
    ev.ORDER_UPDATED,
    ev.ASSIST_REQUESTED,
    ev.WALLBOARD_UPDATED,
}


class Fanout:
    """Sends each committed domain event to the console rooms it concerns; a
    ``call.incoming`` leaves as the full screen pop, read here after commit (the call's
    action only names the call: actions do not read suggested matches)."""

    def __init__(self, sio: socketio.AsyncServer, hub: Hub) -> None:
        self.sio = sio
        self.hub = hub

    async def __call__(self, event: ev.DomainEvent) -> None:
        payload = event.payload
        if event.name == ev.CALL_INCOMING:
            payload = await self._screen_pop(payload)
        if event.agent_id is not None:
            await self.sio.emit(
                event.name, payload, room=agent_room(event.agent_id), namespace=NAMESPACE
            )
        elif event.name in _BROADCAST or event.name == ev.CALL_INCOMING:
            await self.sio.emit(event.name, payload, room=ALL_AGENTS, namespace=NAMESPACE)
        elif event.customer_id is not None:
            await self.sio.emit(
                event.name, payload, room=customer_room(event.customer_id), namespace=NAMESPACE
            )

    async def _screen_pop(self, call: dict[str, Any]) -> dict[str, Any]:
        async with self.hub.read() as session:
            return await screen_pop(
                session, call, claim_match_hours=self.hub.settings.claim_match_hours
            )
