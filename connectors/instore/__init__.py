"""In-store terminals: tablets, POS and kiosks speaking JSON over a WebSocket.

Terminals look customers up (the context card), check them in, post purchases and
notes, and ask remote agents for help; agents' answers come back as pushed frames.
Agents cannot reply *to* this channel (``reply_kinds`` is empty): a message from the
store goes to the customer on SMS or webchat. Protocol: ``docs/instore.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Route, WebSocketRoute

from connectors.base import Connector
from connectors.instore.routes import InstoreEndpoints
from hub import events as ev
from hub.core import Hub


class InstoreConnector(Connector):
    channel = "instore"
    reply_kinds = ()
    label = "In store"

    def __init__(self, hub: Hub) -> None:
        super().__init__(hub)
        self.endpoints = InstoreEndpoints(hub)

    def routes(self) -> Sequence[BaseRoute]:
        endpoints = self.endpoints
        return (
            WebSocketRoute("/instore/ws", endpoints.websocket),
            Route("/instore/v1/{type}", endpoints.rest, methods=["POST"]),
            Route(
                "/instore/assists/{event_id:int}/reply",
                endpoints.reply_to_assist,
                methods=["POST"],
            ),
        )

    async def on_event(self, event: ev.DomainEvent) -> None:
        """Deliver an agent's answer to the terminal that asked, if it is connected to
        this process. (Across processes this would be published on a Redis channel per
        terminal, which every process subscribes to for its own sockets.)"""
        if event.name == ev.ASSIST_REPLIED:
            frame = {"type": "assist.reply", **event.payload}
            await self.endpoints.push(int(event.payload["terminal_id"]), frame)
