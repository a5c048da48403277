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
from connectors.instore.relay import TerminalRelay
from connectors.instore.routes import InstoreEndpoints
from hub import events as ev
from hub.port import HubPort


class InstoreConnector(Connector):
    channel = "instore"
    reply_kinds = ()
    label = "In store"

    def __init__(self, port: HubPort) -> None:
        super().__init__(port)
        self.endpoints = InstoreEndpoints(port)
        settings = port.settings
        self.relay = (
            TerminalRelay(settings.redis_url, settings.redis_channel, self.endpoints.push)
            if settings.redis_url
            else None
        )

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

    async def startup(self) -> None:
        if self.relay is not None:
            await self.relay.start()

    async def shutdown(self) -> None:
        if self.relay is not None:
            await self.relay.stop()

    async def on_event(self, event: ev.DomainEvent) -> None:
        """Deliver an agent's answer to the terminal that asked, and a call transferred
        to a store to that store's terminals: to their sockets in this process, and
        with ``HUB_REDIS_URL`` to those in every other process (through
        ``TerminalRelay``; never raises when Redis is down)."""
        if event.name == ev.ASSIST_REPLIED:
            terminal_id = int(event.payload["terminal_id"])
            await self._push(terminal_id, {"type": "assist.reply", **event.payload})
        elif event.name == ev.CALL_TO_STORE:
            # A call transferred to this store: who, the summary and the thread's link.
            payload = {k: v for k, v in event.payload.items() if k != "terminal_ids"}
            for terminal_id in event.payload.get("terminal_ids") or []:
                await self._push(int(terminal_id), {"type": "call.transfer", **payload})

    async def _push(self, terminal_id: int, frame: dict[str, object]) -> None:
        await self.endpoints.push(terminal_id, frame)
        if self.relay is not None:
            await self.relay.publish(terminal_id, frame)
