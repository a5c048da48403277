"""What the phone asks of the hub for calls in their conference rooms
(``HubPort.calls``): taking a queued caller into a room, the legs in a room and the
steps on a call's timeline, finding the call an agent's own call belongs to, and
transfers (whom to, what the target is told, handing the call over), and the
wallboard's counts.

Every method runs in a transaction of its own and returns ``EventRef``s, never ORM
objects. The rooms themselves (Twilio's conferences) are the connector's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub import events as ev
from hub.actions.call_steps import (
    add_call_leg,
    add_call_step,
    agent_leg,
    hand_call_to,
    legs_of,
    live_call,
    pop_call,
    set_leg_status,
    set_transfer,
    tell_store,
)
from hub.actions.calls import take_queued_call_into_room
from hub.core import Hub
from hub.models import Agent
from hub.port.refs import AgentRef, EventRef
from hub.queries.calls import (
    CallSummary,
    call_of_agent,
    call_summary,
    queued_calls,
    transfer_targets,
    wallboard,
)
from hub.types import JSONDict

__all__ = ["AgentRef", "CallPort", "CallSummary", "agent_leg", "legs_of"]


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

    async def agent(self, agent_id: int) -> AgentRef | None:
        """The agent ``agent_id`` (to ring them), or None."""
        async with self.hub.read() as session:
            agent = await session.get(Agent, agent_id)
            return AgentRef.of(agent) if agent is not None else None

    async def set_leg_status(self, channel: str, call_id: str, leg_id: str, status: str) -> None:
        """Note the latest status of a leg the hub placed (``set_leg_status``)."""
        async with self.hub.uow() as uow:
            await set_leg_status(uow, channel, call_id, leg_id, status)

    async def leg_not_answered(self, channel: str, call_id: str, role: str, status: str) -> bool:
        """A leg the hub placed for ``call_id`` was not answered (``status``): a
        transfer is called off (a step says so). True when it was the agent's leg of a
        call not in voicemail yet: the caller goes there."""
        async with self.hub.uow() as uow:
            # The leg may report before ``ring`` has recorded it: act on the call.
            event = await live_call(uow, channel, call_id)
            if event is None:
                return False
            if role == "transfer":
                set_transfer(uow, event, None)
                await add_call_step(
                    uow, event, "transfer_failed", f"Transfer not answered ({status})"
                )
            return role == "agent" and not event.data.get("voicemail")

    async def summary(self, channel: str, call_id: str) -> CallSummary | None:
        """What a transfer target is told of the call (``hub.queries.calls.call_summary``)."""
        async with self.hub.read() as session:
            return await call_summary(session, channel, call_id)

    async def transfer_targets(
        self, agent_id: int
    ) -> tuple[list[tuple[int, str, bool]], list[tuple[str, str]]]:
        """Whom ``agent_id`` may transfer to: the other active agents ``(id, name,
        online)`` and the stores ``(code, name)``, by name."""
        online = self.hub.presence()
        async with self.hub.read() as session:
            agents, stores = await transfer_targets(session, agent_id)
        return [(i, n, i in online) for i, n in agents], stores

    async def transfer(
        self,
        channel: str,
        call_id: str,
        leg_id: str,
        *,
        mode: str,
        by: tuple[int, str],
        target: Mapping[str, Any],
        text: str,
        summary: str,
    ) -> None:
        """Record a transfer the agent ``by`` (id, name) started (``mode`` warm, cold or
        three_way) to ``target`` (``agent_id`` or ``store``) rung as ``leg_id``: the
        leg, the step ``text``, the transfer in progress (warm), the target agent's
        screen pop with ``summary``, and the call handed over (cold)."""
        by_id, by_name = by
        async with self.hub.uow() as uow:
            stored = await live_call(uow, channel, call_id)
            assert stored is not None
            await add_call_leg(uow, stored, leg_id, "transfer", **target)
            await add_call_step(
                uow,
                stored,
                "transfer",
                text,
                mode=mode,
                agent_id=by_id,
                **{f"to_{k}": v for k, v in target.items()},
            )
            if mode == "warm":
                transfer = {"mode": mode, "by": by_id, "leg": leg_id, **target}
                set_transfer(uow, stored, transfer)
            to_agent = target.get("agent_id")
            agent = await uow.session.get(Agent, to_agent) if isinstance(to_agent, int) else None
            if agent is not None:
                await pop_call(
                    uow,
                    stored,
                    agent,
                    transfer={
                        "mode": mode,
                        "from_agent_id": by_id,
                        "from_agent_name": by_name,
                        "summary": summary,
                        "thread_url": f"/customers/{stored.customer_id}",
                    },
                )
            if mode == "cold":
                hand_call_to(uow, stored, agent.id if agent is not None else None)

    async def complete_transfer(
        self, channel: str, call_id: str, to_agent: int | None, text: str
    ) -> None:
        """A warm transfer ends: the call is ``to_agent``'s (or a store's, None), with
        the step ``text``."""
        async with self.hub.uow() as uow:
            stored = await live_call(uow, channel, call_id)
            assert stored is not None
            set_transfer(uow, stored, None)
            hand_call_to(uow, stored, to_agent)
            await add_call_step(uow, stored, "transfer_done", text)

    async def wallboard(self, channel: str) -> JSONDict:
        """The wallboard's live counts now (``hub.queries.calls.wallboard``), with the
        agents online in any hub process."""
        async with self.hub.read() as session:
            return await wallboard(
                session,
                channel,
                self.hub.settings.queue_max_wait_seconds,
                online=self.hub.presence(),
            )

    async def announce_wallboard(self, counts: JSONDict) -> None:
        """Send every console fresh wallboard counts (``wallboard.updated``)."""
        await self.hub.publish([ev.DomainEvent(ev.WALLBOARD_UPDATED, counts)])
