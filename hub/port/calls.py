"""What the phone asks of the hub for calls in their conference rooms
(``HubPort.calls``): taking a queued caller into a room, the legs in a room and the
steps on a call's timeline, and finding the call an agent's own call belongs to.

Every method runs in a transaction of its own and returns ``EventRef``s, never ORM
objects. The rooms themselves (Twilio's conferences) are the connector's business.
"""

from __future__ import annotations

from typing import Any

from hub.actions.call_steps import (
    add_call_leg,
    add_call_step,
    live_call,
    set_leg_status,
    tell_store,
)
from hub.actions.calls import take_queued_call_into_room
from hub.core import Hub
from hub.port.refs import EventRef
from hub.queries.calls import call_of_agent, queued_calls

__all__ = ["CallPort"]

# Callers tried in turn when the first ones are taken meanwhile by other agents.
TAKE_ATTEMPTS = 3


class CallPort:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def take_queued(self, channel: str, agent_id: int, leg_id: str) -> EventRef | None:
        """The longest-waiting queued caller, taken for ``agent_id`` whose own answered
        call ``leg_id`` is to join the caller's room (``take_queued_call_into_room``);
        None when nobody waits. Two agents never take one caller: the loser moves on
        to the next one."""
        async with self.hub.read() as session:
            waiting = await queued_calls(session, channel, self.hub.settings.queue_max_wait_seconds)
        for candidate in waiting[:TAKE_ATTEMPTS]:
            async with self.hub.uow() as uow:
                taken = await take_queued_call_into_room(
                    uow, channel, candidate.provider_id or "", agent_id, leg_id
                )
                if taken is not None:
                    return EventRef.of(taken)
        return None

    async def add_leg(
        self,
        channel: str,
        call_id: str,
        leg_id: str,
        role: str,
        *,
        status: str = "queued",
        **target: Any,
    ) -> EventRef | None:
        """Record the call ``leg_id`` in the room of ``call_id`` (``add_call_leg``)."""
        async with self.hub.uow() as uow:
            event = await live_call(uow, channel, call_id)
            if event is None:
                return None
            await add_call_leg(uow, event, leg_id, role, status=status, **target)
            return EventRef.of(event)

    async def end_leg(self, channel: str, call_id: str, leg_id: str, text: str) -> None:
        """The leg ``leg_id`` of ``call_id`` never got through (``failed``, so it keeps
        nobody busy); ``text`` is the step the timeline shows."""
        async with self.hub.uow() as uow:
            found = await set_leg_status(uow, channel, call_id, leg_id, "failed")
            if found is not None:
                await add_call_step(uow, found[0], "leg_failed", text)

    async def add_step(
        self, channel: str, call_id: str, step: str, text: str, **detail: Any
    ) -> EventRef | None:
        """Put one step (``text`` as the timeline shows it) on the call ``call_id``."""
        async with self.hub.uow() as uow:
            event = await live_call(uow, channel, call_id)
            if event is None:
                return None
            await add_call_step(uow, event, step, text, **detail)
            return EventRef.of(event)

    async def call_of_agent(self, channel: str, sid: str, agent_id: int) -> EventRef | None:
        """The call ``sid`` names for ``agent_id``: the call itself, or the one their own
        call ``sid`` is a leg of (``hub.queries.calls.call_of_agent``)."""
        async with self.hub.read() as session:
            event = await call_of_agent(session, channel, sid, agent_id)
            return EventRef.of(event) if event is not None else None

    async def tell_store(
        self, channel: str, call_id: str, store: str, **transfer: Any
    ) -> dict[str, Any] | None:
        """Send store ``store``'s terminals who is calling on ``call_id``, ``transfer``
        (``mode``, ``from_agent_name``, ``summary``) and the thread's link
        (``hub.actions.call_steps.tell_store``); returns what was sent."""
        async with self.hub.uow() as uow:
            event = await live_call(uow, channel, call_id)
            if event is None:
                return None
            return await tell_store(uow, event, store, **transfer)
