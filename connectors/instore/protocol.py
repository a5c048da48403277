"""The terminal protocol's shapes: frames, acks, error and close codes, role limits.

See ``docs/instore.md`` for the protocol as terminals see it. Every client frame is a
JSON object ``{"id": str, "type": str, ...}``; every answer to one is an ack
``{"type": "ack", "id": same, "ok": true, ...result}`` or
``{"type": "ack", "id": same, "ok": false, "error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy.exc import DBAPIError

from hub.errors import HubError
from hub.port.terminals import TERMINAL_ASSOCIATE, TERMINAL_KIOSK, TERMINAL_POS, CustomerRef

# Frames above this are refused with a ``too_large`` ack (the socket stays open);
# the ASGI server closes the socket (1009) for messages above its own limit (16 MiB).
MAX_FRAME_BYTES = 64 * 1024
MAX_ITEMS = 200

# Close codes (4000-4999 are the application's own, RFC 6455 §7.4.2).
CLOSE_BAD_KEY = 4401  # no key, or a key the hub does not know
CLOSE_REVOKED = 4403  # the terminal's key was revoked (also while connected)
CLOSE_UNAVAILABLE = 1013  # "try again later": the database is down at connect time

# The database (or the network to it) is down: the frame had no effect; resend later.
OUTAGE_ERRORS = (DBAPIError, ConnectionError, OSError)

FRAME_TYPES = (
    "lookup",
    "checkin",
    "note",
    "detail",
    "purchase",
    "assist",
    "message",
    "stock",
    "pickups",
)
# What each terminal role may send. A kiosk's lookup answers only "found" and a first
# name (``FULL_HISTORY_ROLES`` see the context card).
ROLE_TYPES: dict[str, frozenset[str]] = {
    TERMINAL_ASSOCIATE: frozenset(FRAME_TYPES),
    TERMINAL_POS: frozenset({"lookup", "checkin", "purchase", "stock", "pickups"}),
    TERMINAL_KIOSK: frozenset({"lookup", "checkin", "assist", "stock"}),
}
FULL_HISTORY_ROLES = frozenset({TERMINAL_ASSOCIATE, TERMINAL_POS})

_FRAME_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")

# HTTP status of an error ack on the REST mirror, by error code (default 422).
_STATUS = {
    "bad_json": 400,
    "bad_frame": 400,
    "unknown_type": 404,
    "unauthorized": 401,
    "forbidden": 403,
    "revoked": 403,
    "not_found": 404,
    "conflict": 409,
    "too_large": 413,
    "internal": 500,
    "unavailable": 503,
    "shop_unavailable": 503,
}


class FrameError(HubError):
    """A frame the hub cannot read; answered with an error ack, never stored."""

    code = "bad_frame"
    status = 400


def parse_frame(text: str | bytes) -> tuple[str, dict[str, Any]]:
    """Decode one client frame; returns ``(id, frame)``. Raises ``FrameError``
    (``too_large``, ``bad_json``, ``bad_frame``, ``unknown_type``)."""
    if len(text) > MAX_FRAME_BYTES:
        raise FrameError(f"frame over {MAX_FRAME_BYTES} bytes", code="too_large")
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FrameError("frame is not valid JSON", code="bad_json") from exc
    if not isinstance(frame, dict):
        raise FrameError("a frame is a JSON object")
    frame_id = frame.get("id")
    if not isinstance(frame_id, str) or not _FRAME_ID.match(frame_id):
        raise FrameError("id must be 1-64 characters of A-Z a-z 0-9 _ . : -")
    if frame.get("type") not in FRAME_TYPES:
        raise FrameError(f"type must be one of {', '.join(FRAME_TYPES)}", code="unknown_type")
    return frame_id, frame


def frame_id_of(text: str | bytes) -> str | None:
    """The id of a frame that failed to parse, if it has a readable one (for the ack)."""
    try:
        frame = json.loads(text) if len(text) <= MAX_FRAME_BYTES else None
    except (ValueError, RecursionError):
        return None
    frame_id = frame.get("id") if isinstance(frame, dict) else None
    return frame_id if isinstance(frame_id, str) and _FRAME_ID.match(frame_id) else None


def ack_ok(frame_id: str, result: dict[str, Any]) -> dict[str, Any]:
    return {**result, "type": "ack", "id": frame_id, "ok": True}


def ack_error(frame_id: str | None, code: str, message: str) -> dict[str, Any]:
    return {"type": "ack", "id": frame_id, "ok": False, "error": {"code": code, "message": message}}


def http_status(ack: dict[str, Any]) -> int:
    if ack.get("ok"):
        return 200
    return _STATUS.get(str(ack.get("error", {}).get("code")), 422)


# -- reading fields ----------------------------------------------------------------------


def text(frame: dict[str, Any], key: str, *, required: bool = False, max_len: int = 2000) -> str:
    """A string field, stripped; '' when absent and not required."""
    value = frame.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FrameError(f"{key} is required", code="missing_field")
        return ""
    if not isinstance(value, str):
        raise FrameError(f"{key} must be a string", code="invalid_field")
    if len(value) > max_len:
        raise FrameError(f"{key} is longer than {max_len} characters", code="invalid_field")
    return value.strip()


def integer(
    frame: dict[str, Any], key: str, *, required: bool = False, minimum: int = 0
) -> int | None:
    value = frame.get(key)
    if value is None:
        if required:
            raise FrameError(f"{key} is required", code="missing_field")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FrameError(f"{key} must be an integer >= {minimum}", code="invalid_field")
    return value


def customer_ref(frame: dict[str, Any]) -> CustomerRef:
    """The customer a frame names: ``customer_id``, ``phone``, ``email`` or ``loyalty_id``."""
    return CustomerRef(
        customer_id=integer(frame, "customer_id", minimum=1),
        phone=text(frame, "phone", max_len=40) or None,
        email=text(frame, "email", max_len=320) or None,
        loyalty_id=text(frame, "loyalty_id", max_len=64) or None,
    )
