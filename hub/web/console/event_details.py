"""One-line details the timeline shows under some events: how a call was routed and
the score of a CSAT reply. ``console.js`` (``callRouteText``/``csatText``) applies the
same rules to events that arrive live.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

ANSWERED = ("in-progress", "answered")


def opening_text(opens_at: object) -> str | None:
    """``opens_at`` (ISO, in the schedule's local time) as "Monday at 09:00"."""
    if not isinstance(opens_at, str):
        return None
    try:
        local = datetime.fromisoformat(opens_at)
    except ValueError:
        return None
    return f"{local:%A} at {local:%H:%M}"


def call_route_text(data: dict[str, Any], agent_names: dict[int, str]) -> str | None:
    """How an incoming call was put through (``data.route``; see ``hub.actions.calls``):
    routed/answered by an agent, queued, taken from the queue, or voicemail (outside
    business hours: with the next opening). None for calls without a route."""
    route = data.get("route")
    if not isinstance(route, dict):
        return None
    agent_id = route.get("agent_id")
    agent = agent_names.get(agent_id, "an agent") if isinstance(agent_id, int) else "an agent"
    mode = route.get("mode")
    if route.get("closed"):
        opens = opening_text(route.get("opens_at"))
        return f"Closed: voicemail (opens {opens})" if opens else "Closed: voicemail"
    if data.get("voicemail"):
        return "Queued, then voicemail" if mode == "queue" else "Not answered: voicemail"
    if mode == "queue":
        return "Queued"
    if mode == "agent":
        if route.get("dequeued"):
            return f"Answered from the queue by {agent}"
        statuses = data.get("statuses")
        answered = isinstance(statuses, list) and any(s in ANSWERED for s in statuses)
        sticky = " (their agent)" if route.get("sticky") else ""
        return f"Answered by {agent}{sticky}" if answered else f"Routed to {agent}{sticky}"
    if mode == "voicemail":
        return "Voicemail"
    return None


def csat_text(data: dict[str, Any]) -> str | None:
    """The "rated 4/5" of a customer's reply to a satisfaction survey (``data.csat``)."""
    csat = data.get("csat")
    if not isinstance(csat, dict):
        return None
    score = csat.get("score")
    if not isinstance(score, int) or isinstance(score, bool):
        return None
    return f"rated {score}/5"
