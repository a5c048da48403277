"""The widget's rating control: the ``csat`` payload a visitor is shown.

The survey question itself is an ordinary automatic message (``via="csat"``,
``data.csat_survey_id``) that the connector delivers as a ``csat`` socket event
instead of a text; see ``WebchatConnector.send`` and docs/widget.md. Which survey a
visitor may answer and recording the answer are the hub's (``port.visitors.history``,
``port.visitors.rate``).
"""

from __future__ import annotations

from typing import Any

QUESTION = "How did we do?"
SCALE = [1, 5]


def survey_payload(event_id: int | None, survey_id: int, created_at: str | None) -> dict[str, Any]:
    """The ``csat`` event asking a visitor to rate (see docs/widget.md)."""
    return {
        "id": event_id,
        "survey_id": survey_id,
        "question": QUESTION,
        "scale": SCALE,
        "answered": False,
        "score": None,
        "created_at": created_at,
    }
