"""The one place that maps domain events to socket.io rooms of the agent console."""

from __future__ import annotations

import socketio

from hub import events as ev
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
    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    async def __call__(self, event: ev.DomainEvent) -> None:
        if event.agent_id is not None:
            await self.sio.emit(
                event.name, event.payload, room=agent_room(event.agent_id), namespace=NAMESPACE
            )
        elif event.name in _BROADCAST or event.name == ev.CALL_INCOMING:
            await self.sio.emit(event.name, event.payload, room=ALL_AGENTS, namespace=NAMESPACE)
        elif event.customer_id is not None:
            await self.sio.emit(
                event.name,
                event.payload,
                room=customer_room(event.customer_id),
                namespace=NAMESPACE,
            )
