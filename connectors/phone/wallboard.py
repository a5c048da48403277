"""The phone wallboard: live counts for every console (callers waiting, the longest
wait, callbacks pending, agents online, on calls and available, answered and abandoned
today in the business time zone).

``GET /phone/wallboard`` answers the counts now (console session); after every committed
change to a phone call the connector recomputes them (debounced) and publishes
``wallboard.updated`` to every agent. The longest wait is sent as a start time
(``longest_waiting_since``) so consoles count it up themselves; consoles re-read the
counts when an agent's presence changes (``presence.updated``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub import events as ev

if TYPE_CHECKING:
    from connectors.phone.connector import PhoneConnector

# Changes within this many seconds are published once.
DEBOUNCE_SECONDS = 0.2
CALL_EVENTS = (ev.EVENT_CREATED, ev.EVENT_UPDATED)


class Wallboard:
    def __init__(self, connector: PhoneConnector) -> None:
        self.connector = connector
        self.calls = connector.port.calls
        self._scheduled = False

    async def counts(self) -> dict[str, Any]:
        return await self.calls.wallboard(self.connector.channel)

    async def get(self, request: Request) -> JSONResponse:
        """``GET /phone/wallboard``."""
        await self.connector.agents.agent_of(request)
        return JSONResponse(await self.counts(), headers={"cache-control": "no-store"})

    def on_event(self, event: ev.DomainEvent) -> None:
        """A committed change to a phone call: publish fresh counts shortly."""
        if event.name == ev.CALL_INCOMING:
            relevant = True
        elif event.name in CALL_EVENTS:
            item = event.payload.get("event") or {}
            relevant = item.get("type") == "call" and item.get("channel") == self.connector.channel
        else:
            relevant = False
        if relevant and not self._scheduled:
            self._scheduled = True
            self.connector.live.spawn(self._publish())

    async def _publish(self) -> None:
        await asyncio.sleep(DEBOUNCE_SECONDS)
        self._scheduled = False
        await self.calls.announce_wallboard(await self.counts())
