"""What a widget visitor may read: only the webchat messages of its own widget identities
(the hub decides which, ``port.visitors.history``), in the widget's shape."""

from __future__ import annotations

from typing import Any

from connectors.webchat.csat import survey_payload
from connectors.webchat.identity import Principal
from hub.port import EventRef, HubPort
from hub.serializers import iso

HISTORY_LIMIT = 100


async def visitor_view(
    port: HubPort, channel: str, principal: Principal
) -> tuple[int | None, list[dict[str, Any]], dict[str, Any] | None]:
    """What a connecting widget is told: its customer (None before its first message),
    the messages it may read and the rating it was asked and has not given, as a
    ``csat`` payload."""
    history = await port.visitors.history(
        channel, principal.identities, (principal.kind, principal.address), limit=HISTORY_LIMIT
    )
    survey = history.pending_survey
    csat = survey_payload(survey.question_event_id, survey.id, None) if survey else None
    return history.customer_id, [message_dict(e) for e in history.messages], csat


def message_dict(event: EventRef) -> dict[str, Any]:
    """The widget's view of a message: no internal ids beyond the event id."""
    data = event.data
    message = {
        "id": event.id,
        "client_id": data.get("client_id"),
        "direction": event.direction,
        "body": event.body,
        "agent_name": data.get("agent_name"),
        "created_at": iso(event.created_at),
    }
    if data.get("via") == "csat" and data.get("csat_survey_id") is not None:
        # A survey question: the widget shows the rating control from ``session.csat``
        # while it is pending, not this text.
        message["csat"] = {"survey_id": data["csat_survey_id"]}
    return message
