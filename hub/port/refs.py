"""The plain values the port hands a connector instead of ORM objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.models import Agent, Event


@dataclass(frozen=True)
class Receipt:
    """Stored customer input: its event, the customer and thread it went to and the
    sender's identity. ``duplicate``: a replay of a stored provider id (nothing changed)."""

    event_id: int
    customer_id: int
    thread_id: int
    identity_id: int | None
    duplicate: bool
    # A YES, or the first text from a number: ``follow_up_text`` may act on it.
    may_link: bool = False


@dataclass(frozen=True)
class EventRef:
    """What a channel may read of one timeline event."""

    id: int
    customer_id: int
    channel: str
    direction: str | None
    provider_id: str | None
    status: str | None
    data: Mapping[str, Any] = field(default_factory=dict)
    body: str | None = None
    created_at: datetime | None = None
    agent_id: int | None = None

    @classmethod
    def of(cls, event: Event) -> EventRef:
        return cls(
            event.id,
            event.customer_id,
            event.channel,
            event.direction,
            event.provider_id,
            event.status,
            dict(event.data or {}),
            event.body,
            event.created_at,
            event.agent_id,
        )


@dataclass(frozen=True)
class AgentRef:
    """An agent: who, whether they may still sign in, and how the phone rings them
    (``hub.port.phone.VoiceAgent``)."""

    id: int
    name: str
    voice_route: str
    voice_address: str | None
    is_active: bool

    @classmethod
    def of(cls, agent: Agent) -> AgentRef:
        return cls(agent.id, agent.name, agent.voice_route, agent.voice_address, agent.is_active)
