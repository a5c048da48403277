"""Read-only look-ups over call events: the phone queue, pending callbacks and
click-to-call retries.

All scan a small, bounded set of rows and check the JSON ``data`` in Python, so they
behave the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.models import Agent, BusinessHours, Customer, Detail, Event, Identity, Store
from hub.models.customer import PHONE
from hub.models.hours import DEFAULT_TEAM
from hub.models.thread import (
    CALL,
    FINAL_STATUSES,
    IN,
    MESSAGE,
    OUT,
    STALE_CALL_AFTER,
    agents_on_call,
    may_hold_agents,
    waits_in_queue,
)

# A queued caller leaves the queue (to voicemail) after the maximum wait; calls older
# than that plus this margin are not counted even if their final status never arrived.
QUEUE_MARGIN_SECONDS = 120
RECENT_OUTBOUND = 20
# Pending callbacks older than this are no longer offered (the thread still waits).
CALLBACK_HOURS = 24


async def queued_calls(
    session: AsyncSession, channel: str, max_wait_seconds: int, *, at: datetime | None = None
) -> list[Event]:
    """Calls waiting in the queue at ``at`` (now), longest-waiting first: routed to the
    queue, not taken by an agent, not sent to voicemail, not turned into a callback, not
    ended."""
    since = (at or utcnow()) - timedelta(seconds=max_wait_seconds + QUEUE_MARGIN_SECONDS)
    return [
        event
        for event in await _incoming_calls_since(session, channel, since)
        if waits_in_queue(event)
    ]


async def pending_callbacks(
    session: AsyncSession, channel: str, *, at: datetime | None = None
) -> list[Event]:
    """Callbacks waiting for an agent, in the order their calls arrived (a callback
    keeps the caller's place in line), from the ``CALLBACK_HOURS`` hours before ``at``."""
    since = (at or utcnow()) - timedelta(hours=CALLBACK_HOURS)
    return [
        event
        for event in await _incoming_calls_since(session, channel, since)
        if ((event.data or {}).get("callback") or {}).get("status") == "pending"
    ]


async def _incoming_calls_since(
    session: AsyncSession, channel: str, since: datetime
) -> list[Event]:
    """Incoming calls on ``channel`` since ``since``, in the order they arrived."""
    result = await session.execute(
        select(Event)
        .where(
            Event.type == CALL,
            Event.channel == channel,
            Event.direction == IN,
            Event.created_at >= since,
        )
        .order_by(Event.id)
    )
    return list(result.scalars())


async def next_in_line(
    session: AsyncSession, channel: str, max_wait_seconds: int
) -> tuple[Event | None, int, int]:
    """The longest-waiting entry among queued callers and pending callbacks (by arrival),
    and how many of each wait."""
    queued = await queued_calls(session, channel, max_wait_seconds)
    callbacks = await pending_callbacks(session, channel)
    first = min([*queued, *callbacks], key=lambda e: e.id, default=None)
    return first, len(queued), len(callbacks)


async def wallboard(
    session: AsyncSession,
    channel: str,
    max_wait_seconds: int,
    *,
    online: Collection[int] = (),
    at: datetime | None = None,
) -> dict[str, Any]:
    """The live counts of the phone wallboard at ``at`` (now): callers waiting and since
    when the longest has waited, callbacks pending, agents online (of ``online``, the
    present agents: the active ones), agents on a call (``agents_on_call``, the notion
    routing uses) and agents available (online, not on a call), and today's calls
    answered by an agent and abandoned (the caller hung up before anyone answered,
    without a voicemail or a callback). "Today" is the business day in the time zone of
    the default team's business hours (UTC when none are set)."""
    now = at or utcnow()
    queued = await queued_calls(session, channel, max_wait_seconds, at=now)
    callbacks = len(await pending_callbacks(session, channel, at=now))
    live = await session.execute(select(Event).where(may_hold_agents(now - STALE_CALL_AFTER)))
    on_calls: set[int] = set()
    for event in live.scalars():
        on_calls |= agents_on_call(event)
    present = set(online)
    if present:
        active = await session.execute(
            select(Agent.id).where(Agent.id.in_(present), Agent.is_active.is_(True))
        )
        present = set(active.scalars())
    zone = await business_zone(session)
    local = now.astimezone(zone)
    today = datetime.combine(local.date(), time(), tzinfo=zone)
    result = await session.execute(
        select(Event).where(
            Event.type == CALL,
            Event.channel == channel,
            Event.direction == IN,
            Event.created_at >= today,
            Event.created_at <= now,
        )
    )
    answered = abandoned = 0
    for event in result.scalars():
        if _answered(event):
            answered += 1
        elif _abandoned(event):
            abandoned += 1
    return {
        "channel": channel,
        "waiting": len(queued),
        "longest_waiting_since": queued[0].created_at.isoformat() if queued else None,
        "callbacks": callbacks,
        "agents_on_calls": len(on_calls),
        "agents_online": len(present),
        "agents_available": len(present - on_calls),
        "answered_today": answered,
        "abandoned_today": abandoned,
        "day_started_at": today.isoformat(),
        "time_zone": str(zone),
        "at": now.isoformat(),
    }


async def business_zone(session: AsyncSession) -> ZoneInfo:
    """The hub's business time zone: the default team's business-hours schedule's
    (``hub.rules.hours``), UTC when none is set."""
    name = (
        await session.execute(
            select(BusinessHours.timezone).where(BusinessHours.team == DEFAULT_TEAM)
        )
    ).scalar_one_or_none()
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _answered(event: Event) -> bool:
    """An agent picked up: a leg the hub placed to an agent was answered, or an agent
    took the caller from the queue."""
    data = event.data or {}
    agents = [
        leg
        for leg in data.get("legs") or []
        if isinstance(leg, dict) and leg.get("role") == "agent"
    ]
    if (data.get("route") or {}).get("dequeued") and not (
        agents and all(leg.get("status") == "failed" for leg in agents)
    ):
        return True  # (not when the caller had left before the agent got through)
    return any(leg.get("status") in ("in-progress", "answered", "completed") for leg in agents)


def _abandoned(event: Event) -> bool:
    data = event.data or {}
    return (
        (event.status or "") in FINAL_STATUSES
        and not data.get("voicemail")
        and not data.get("callback")
    )


async def find_outbound_call(
    session: AsyncSession, customer_id: int, agent_id: int, client_id: str
) -> Event | None:
    """The click-to-call ``agent_id`` already placed to ``customer_id`` with this
    ``client_id`` (the console's idempotency key), among their recent ones."""
    result = await session.execute(
        select(Event)
        .where(
            Event.type == CALL,
            Event.customer_id == customer_id,
            Event.agent_id == agent_id,
            Event.direction == OUT,
        )
        .order_by(Event.id.desc())
        .limit(RECENT_OUTBOUND)
    )
    return next((e for e in result.scalars() if (e.data or {}).get("client_id") == client_id), None)


async def call_of_agent(
    session: AsyncSession, channel: str, sid: str, agent_id: int
) -> Event | None:
    """The call ``sid`` names: the call itself (its ``provider_id``), or, among the
    ``RECENT_OUTBOUND`` latest calls ``agent_id`` has, the one with a leg ``sid`` (the
    agent's own call: a browser phone knows only its own CallSid)."""
    result = await session.execute(
        select(Event).where(Event.channel == channel, Event.provider_id == sid)
    )
    event = result.scalar_one_or_none()
    if event is not None:
        return event
    recent = await session.execute(
        select(Event)
        .where(Event.type == CALL, Event.channel == channel, Event.agent_id == agent_id)
        .order_by(Event.id.desc())
        .limit(RECENT_OUTBOUND)
    )
    return next(
        (
            e
            for e in recent.scalars()
            if any(
                isinstance(leg, dict) and leg.get("sid") == sid for leg in e.data.get("legs") or []
            )
        ),
        None,
    )


async def phone_of(session: AsyncSession, customer_id: int) -> str | None:
    """The customer's most recently used phone number (the one click-to-call dials)."""
    result = await session.execute(
        select(Identity.address)
        .where(Identity.customer_id == customer_id, Identity.kind == PHONE)
        .order_by(Identity.last_seen_at.desc().nulls_last(), Identity.id.desc())
    )
    return result.scalars().first()


@dataclass(frozen=True)
class CallSummary:
    """What a transfer target is told of a call: the customer, how they were
    recognised (``recognised_by``), why they called and their last message."""

    customer_id: int
    customer_name: str | None
    recognised_by: str | None
    reason: str | None
    last_message: str | None


async def call_summary(session: AsyncSession, channel: str, call_sid: str) -> CallSummary | None:
    """The facts a transfer's whisper tells about the call ``call_sid``, or None."""
    result = await session.execute(
        select(Event).where(Event.channel == channel, Event.provider_id == call_sid)
    )
    event = result.scalar_one_or_none()
    if event is None:
        return None
    customer = await session.get(Customer, event.customer_id)
    reason = (
        await session.execute(
            select(Detail.value)
            .where(Detail.customer_id == event.customer_id, Detail.key == "reason")
            .order_by(Detail.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    last = (
        await session.execute(
            select(Event.body)
            .where(Event.customer_id == event.customer_id, Event.type == MESSAGE)
            .order_by(Event.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    recognised = event.data.get("recognised_by")
    return CallSummary(
        event.customer_id,
        customer.name if customer is not None else None,
        str(recognised) if recognised is not None else None,
        reason,
        last,
    )


async def transfer_targets(
    session: AsyncSession, agent_id: int
) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    """Whom ``agent_id`` may transfer a call to: the other active agents ``(id,
    name)`` by name, and the stores ``(code, name)`` by name."""
    agents = await session.execute(
        select(Agent.id, Agent.name).where(Agent.is_active.is_(True), Agent.id != agent_id)
    )
    stores = await session.execute(select(Store.code, Store.name).order_by(Store.name))
    return sorted(((i, n) for i, n in agents.all()), key=lambda a: a[1]), [
        (c, n) for c, n in stores.all()
    ]
