"""What Twilio's Messages API says the same way for every channel it carries (SMS,
MMS, WhatsApp): message statuses, error codes and the media of an incoming message."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from starlette.datastructures import FormData
from starlette.responses import Response

from hub.types import Media

MAX_MEDIA = 10

# Twilio message statuses -> the hub's delivery statuses (hub.models.thread.DELIVERY_ORDER).
_STATUSES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}

# Descriptions of the error codes a status callback carries (it sends only the code).
ERROR_MESSAGES = {
    "21610": "The recipient has unsubscribed (replied STOP)",
    "30001": "Queue overflow",
    "30002": "Account suspended",
    "30003": "Unreachable destination handset",
    "30004": "Message blocked",
    "30005": "Unknown destination handset",
    "30006": "Landline or unreachable carrier",
    "30007": "Message filtered by the carrier",
    "30008": "Unknown error",
    "63003": "The number is not on WhatsApp",
    "63016": "Outside the 24-hour WhatsApp window: only an approved template can be sent",
    "63024": "Invalid WhatsApp recipient",
    "63049": "Meta chose not to deliver this WhatsApp marketing message",
}


def delivery_status(twilio_status: str | None) -> str | None:
    """The hub's delivery status for a Twilio message status; None for statuses that
    say nothing about an outbound message (``receiving``, ``received``)."""
    return _STATUSES.get((twilio_status or "").strip().lower())


def media_from_form(form: FormData) -> tuple[Media, ...]:
    """The attachments of an incoming message (``NumMedia``, ``MediaUrlN``,
    ``MediaContentTypeN``), at most ``MAX_MEDIA``."""
    media = []
    try:
        count = min(int(str(form.get("NumMedia") or 0)), MAX_MEDIA)
    except ValueError:
        count = 0
    for i in range(count):
        url = form.get(f"MediaUrl{i}")
        if url:
            content_type = form.get(f"MediaContentType{i}")
            media.append(Media(str(url), str(content_type) if content_type else None))
    return tuple(media)


def message_sid(form: FormData) -> str | None:
    """The message's SID under any of the names Twilio has used for it."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid")
    return str(sid) if sid else None


# Twilio's address prefixes for the channels its Messages API carries besides SMS,
# and the hub channel that owns them.
_PREFIXED_CHANNELS = {"whatsapp:": "whatsapp"}


def prefixed_channel(address: str | None) -> str | None:
    """The hub channel of a prefixed Twilio address (``whatsapp:+1…`` → ``whatsapp``),
    None for a plain phone number."""
    text = (address or "").strip().lower()
    return next((ch for prefix, ch in _PREFIXED_CHANNELS.items() if text.startswith(prefix)), None)


@runtime_checkable
class FormReceiver(Protocol):
    """A connector that takes a verified Messages webhook form posted to another
    channel's URL (one Twilio webhook may serve SMS and WhatsApp)."""

    async def receive_form(self, form: FormData) -> Response: ...
