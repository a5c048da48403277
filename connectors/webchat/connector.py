"""The webchat connector: the embeddable widget's socket namespace and the demo shop."""

from __future__ import annotations

from collections.abc import Sequence

import socketio
from starlette.routing import BaseRoute, Route

from connectors.base import Connector
from connectors.webchat.csat import survey_payload
from connectors.webchat.demo import demo_shop
from connectors.webchat.identity import room_for
from connectors.webchat.namespace import WidgetNamespace
from hub import events as ev
from hub.db import utcnow
from hub.port import USER, VISITOR, HubPort
from hub.serializers import iso
from hub.types import Outbound, SendResult


class WebchatConnector(Connector):
    """Visitors chat through ``static/widget.js`` on the ``/widget`` namespace.

    Replies go to the room of the widget identity ``send_reply`` chose, i.e. every
    open tab of that visitor (or verified user) in any hub process. A visitor who is
    not connected reads the reply from its history on the next connect, so a send is
    ``delivered`` once emitted. A CSAT survey question goes out as a ``csat`` event
    (the widget's rating control) instead of a ``message``.
    """

    channel = "webchat"
    reply_kinds = (VISITOR, USER)
    label = "Web chat"

    def __init__(self, port: HubPort) -> None:
        super().__init__(port)
        self.namespace = WidgetNamespace(self)

    def routes(self) -> Sequence[BaseRoute]:
        return (Route("/demo/shop", demo_shop, methods=["GET"], name="demo_shop"),)

    def namespaces(self) -> Sequence[socketio.AsyncNamespace]:
        return (self.namespace,)

    async def send(self, message: Outbound) -> SendResult:
        survey_id = message.data.get("csat_survey_id")
        if message.data.get("via") == "csat" and isinstance(survey_id, int):
            # The CSAT question: the widget shows a 1-5 rating control, not the text.
            await self.namespace.emit(
                "csat",
                survey_payload(message.event_id, survey_id, iso(utcnow())),
                room=room_for(message.kind, message.address),
            )
            return SendResult(provider_id=None, status="delivered")
        await self.namespace.emit(
            "message",
            {
                "id": message.event_id,
                "client_id": None,
                "direction": "out",
                "body": message.body,
                "agent_name": message.agent_name,
                "created_at": iso(utcnow()),
            },
            room=room_for(message.kind, message.address),
        )
        return SendResult(provider_id=None, status="delivered")

    async def on_event(self, event: ev.DomainEvent) -> None:
        """Show an agent's typing in the widget of the customer it concerns."""
        if event.name != ev.TYPING or event.payload.get("who") != "agent":
            return
        if event.customer_id is None:
            return
        addresses = await self.port.visitors.addresses(event.customer_id, self.reply_kinds)
        rooms = [room_for(kind, address) for kind, address in addresses]
        if rooms:
            payload = {
                "typing": bool(event.payload.get("typing")),
                "name": event.payload.get("name"),
            }
            await self.namespace.emit("typing", payload, room=rooms)
