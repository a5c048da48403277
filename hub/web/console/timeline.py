"""Turning timeline events into what the thread page shows.

Handoff markers ("moved from webchat to phone — 3 min later") are not stored: they
are derived here, at render time, from consecutive customer-facing events (those
with a direction) whose channels differ. ``console.js`` applies the same rule to
events that arrive live or load on scroll.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.models import Event
from hub.serializers import event_dict
from hub.web.console.render import gap


@dataclass
class Entry:
    event: Event
    author: str | None
    handoff: str | None = None


def handoff_text(previous: Event, current: Event) -> str:
    return f"moved from {previous.channel} to {current.channel} — " + gap(
        current.created_at, previous.created_at
    )


def entries(events_oldest_first: list[Event], agent_names: dict[int, str]) -> list[Entry]:
    """The events with their author and, where the customer changed channel, a marker."""
    result: list[Entry] = []
    previous: Event | None = None
    for event in events_oldest_first:
        entry = Entry(event, author_of(event, agent_names))
        if event.direction is not None:
            if previous is not None and previous.channel != event.channel:
                entry.handoff = handoff_text(previous, event)
            previous = event
        result.append(entry)
    return result


def author_of(event: Event, agent_names: dict[int, str]) -> str | None:
    data = event.data or {}
    if event.agent_id is not None and event.agent_id in agent_names:
        return agent_names[event.agent_id]
    name = data.get("agent_name")
    return name if isinstance(name, str) else None


def event_json(event: Event, agent_names: dict[int, str]) -> dict[str, Any]:
    """The REST API's event shape plus ``author`` for the console script."""
    return {**event_dict(event), "author": author_of(event, agent_names)}
