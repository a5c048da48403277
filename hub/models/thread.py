"""The one thread per customer and its timeline events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, CreatedAt, UpdatedAt, UTCDateTime, utcnow

OPEN = "open"
PENDING = "pending"
RESOLVED = "resolved"
THREAD_STATUSES = (OPEN, PENDING, RESOLVED)

# Event types (CONTRACT.md: an event has at least id, type, channel, direction, body,
# created_at, provider_id).
MESSAGE = "message"
CALL = "call"
NOTE = "note"
VISIT = "visit"
PURCHASE = "purchase"
HANDOFF = "handoff"
MERGE = "merge"
ASSIGNMENT = "assignment"
STATUS = "status"
DETAIL = "detail"
ASSIST = "assist"
EVENT_TYPES = (
    MESSAGE,
    CALL,
    NOTE,
    VISIT,
    PURCHASE,
    HANDOFF,
    MERGE,
    ASSIGNMENT,
    STATUS,
    DETAIL,
    ASSIST,
)

IN = "in"
OUT = "out"

# Delivery status of outbound messages, in the order they may advance.
DELIVERY_ORDER = {
    "pending": 0,
    "queued": 1,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
    "undelivered": 3,
    "failed": 3,
}


class Thread(CreatedAt, Base):
    __tablename__ = "threads"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), index=True
    )
    last_channel: Mapped[str | None] = mapped_column(String(16))
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    last_message_preview: Mapped[str | None] = mapped_column(String(200))
    # The oldest customer message not yet answered; null when nobody is waiting.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Event(CreatedAt, UpdatedAt, Base):
    """One timeline entry. ``(channel, provider_id)`` is unique so replays are no-ops."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        Index("ix_events_customer_id_id", "customer_id", "id"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str | None] = mapped_column(String(3))
    body: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(128))
    # Delivery status for outbound messages, call status for calls.
    status: Mapped[str | None] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(String(500))
    # The identity the event came through or went to (widget visibility uses it).
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("identities.id", ondelete="SET NULL"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# Provider call statuses by progress (a status never moves back); final ones end a call.
STATUS_RANK = {
    "queued": 0,
    "initiated": 0,
    "ringing": 1,
    "in-progress": 2,
    "answered": 2,
    "completed": 3,
    "busy": 3,
    "no-answer": 3,
    "failed": 3,
    "canceled": 3,
}
FINAL_STATUSES = frozenset(s for s, rank in STATUS_RANK.items() if rank == 3)
MISSED_STATUSES = frozenset({"busy", "no-answer", "failed", "canceled"})
# Call statuses that keep an agent busy.
ACTIVE_CALL_STATUSES = ("queued", "initiated", "ringing", "in-progress")
# A call whose final status callback never arrived stops blocking its agent after this.
STALE_CALL_AFTER = timedelta(hours=4)
# Statuses of a leg the hub placed (an agent's phone, a transfer target) that keep its
# agent on the call: being rung, or answered.
LIVE_LEG_STATUSES = ("queued", "initiated", "ringing", "in-progress", "answered")
# ``data["callback"]["status"]`` while an agent is being rung for a callback.
CALLBACK_TAKEN = "taken"


def may_hold_agents(since: datetime) -> ColumnElement[bool]:
    """The SQL filter for the call events that may keep an agent busy (see
    ``agents_on_call``), updated since ``since``: ringing or in progress, or with an
    owner (a callback's or a transferred call's own status may be over while its legs
    are not)."""
    return and_(
        Event.type == CALL,
        Event.updated_at > since,
        or_(Event.status.in_(ACTIVE_CALL_STATUSES), Event.agent_id.is_not(None)),
    )


def agents_on_call(event: Event) -> set[int]:
    """The agents ``event`` (a call) keeps busy: the one notion of "on a call" that
    routing and the wallboard share. Nobody once its room is over: the customer in it
    (the customer the hub rang, else the caller) has hung up, which ends the room.
    Until then its owner while the call rings or is in progress or while a callback
    they took rings them, and every agent whose leg (their phone rung into the call's
    room, a transfer to them) is ringing or answered: so an agent on a callback (whose
    original call ended long ago) or taking a transfer is busy."""
    data = event.data or {}
    legs = [leg for leg in data.get("legs") or [] if isinstance(leg, dict)]
    callback = data.get("callback")
    taken = isinstance(callback, dict) and callback.get("status") == CALLBACK_TAKEN
    rung = [leg for leg in legs if leg.get("role") == "customer"]
    if rung:
        over = rung[-1].get("status") in FINAL_STATUSES
    else:
        over = (event.status or "") in FINAL_STATUSES and not taken
    if over:
        return set()
    busy = {
        leg["agent_id"]
        for leg in legs
        if isinstance(leg.get("agent_id"), int) and leg.get("status") in LIVE_LEG_STATUSES
    }
    if event.agent_id is not None and ((event.status or "") in ACTIVE_CALL_STATUSES or taken):
        busy.add(event.agent_id)
    return busy


# How a call was routed (``data.route.mode``): to one agent, the queue, or voicemail.
AGENT = "agent"
QUEUE = "queue"
VOICEMAIL = "voicemail"


def waits_in_queue(event: Event) -> bool:
    """Whether the call ``event`` waits in the queue: routed to the queue, not taken by
    an agent, not sent to voicemail, not turned into a callback, not ended."""
    data = event.data or {}
    return (
        (data.get("route") or {}).get("mode") == QUEUE
        and not data.get("voicemail")
        and not data.get("callback")
        and (event.status or "") not in FINAL_STATUSES
    )
