"""Domain events: what happened, published to realtime clients after commit.

Names are ``noun.verb`` constants; payloads are plain JSON-able dicts built by
``hub.serializers``. Actions record events on their unit of work; nothing is sent
before the transaction commits (see ``hub.core.UnitOfWork``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hub.serializers import customer_dict, event_dict, thread_dict

if TYPE_CHECKING:
    from hub.models import Customer, Event, Thread

EVENT_CREATED = "event.created"
EVENT_UPDATED = "event.updated"
THREAD_UPDATED = "thread.updated"
CUSTOMER_UPDATED = "customer.updated"
CUSTOMER_MERGED = "customer.merged"
CUSTOMER_UNMERGED = "customer.unmerged"
CALL_INCOMING = "call.incoming"
PRESENCE_UPDATED = "presence.updated"
ORDER_UPDATED = "order.updated"
# A store terminal asked remote agents for help / an agent answered (connectors/instore).
ASSIST_REQUESTED = "assist.requested"
ASSIST_REPLIED = "assist.replied"
# A call was transferred to a store: its terminals (the associates' view) get who is
# calling, the summary and the thread's link: {"store", "store_name", "terminal_ids",
# "customer_id", "name", "call_sid", "mode", "from_agent_name", "summary", "thread_url"}.
CALL_TO_STORE = "call.to_store"
# A customer rated the conversation: {"customer_id", "survey_id", "score", "channel"}.
CSAT_RECORDED = "csat.recorded"
# An admin added, changed or removed an outbound webhook endpoint: {"endpoint_id"}.
WEBHOOKS_CHANGED = "webhooks.changed"
# A team's business hours were set: {"team"} (caches of the schedule re-read it).
HOURS_CHANGED = "hours.changed"
# Ephemeral: a channel's live counts for every console, e.g. the phone's
# {"channel": "phone", "waiting", "longest_waiting_since", "callbacks", ...}.
WALLBOARD_UPDATED = "wallboard.updated"
# Console sessions were revoked (logout, password change, deactivation, "sign out
# everywhere"): {"agent_id", "session_ids", "all"}; the /agent namespace disconnects them.
AGENT_SESSIONS_REVOKED = "agent.sessions_revoked"
# Ephemeral (never stored): {"customer_id", "who": "agent"|"customer", "typing": bool, "name"?}.
TYPING = "typing"


@dataclass(frozen=True)
class DomainEvent:
    """One thing that happened. ``agent_id`` narrows delivery to one agent's console."""

    name: str
    payload: dict[str, Any]
    customer_id: int | None = None
    agent_id: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def event_created(event: Event, customer_id: int) -> DomainEvent:
    """``event.created`` for a new timeline event of (live) customer ``customer_id``."""
    return DomainEvent(
        EVENT_CREATED, {"customer_id": customer_id, "event": event_dict(event)}, customer_id
    )


def event_updated(event: Event, customer_id: int) -> DomainEvent:
    """``event.updated``: a timeline event changed (status, recording, answer…)."""
    return DomainEvent(
        EVENT_UPDATED, {"customer_id": customer_id, "event": event_dict(event)}, customer_id
    )


def thread_updated(thread: Thread, customer_id: int) -> DomainEvent:
    """``thread.updated`` with the thread's state as it is now."""
    return DomainEvent(THREAD_UPDATED, thread_dict(thread), customer_id)


def customer_updated(customer: Customer) -> DomainEvent:
    """``customer.updated`` with the customer as it is now."""
    return DomainEvent(
        CUSTOMER_UPDATED,
        {"customer_id": customer.id, "customer": customer_dict(customer)},
        customer.id,
    )


def call_incoming(
    event: Event, customer_id: int, route: dict[str, Any], agent_id: int | None, **extra: Any
) -> DomainEvent:
    """``call.incoming``: the call ``event`` of (live) customer ``customer_id`` rings
    ``agent_id`` (every agent when None) on ``route``, with ``extra`` (``transfer``,
    ``callback``, ``dequeued``). It names the call; the realtime layer completes it
    into the screen pop (``hub.queries.screen_pop``) after commit."""
    payload = {
        "customer_id": customer_id,
        "call": event_dict(event),
        "route": route,
        "recognised_by": event.data.get("recognised_by"),
        **extra,
    }
    return DomainEvent(CALL_INCOMING, payload, customer_id, agent_id=agent_id)
