"""Turning Twilio Messaging webhook parameters into what the core understands."""

from __future__ import annotations

from starlette.datastructures import FormData

from hub.types import Inbound, Media

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
}


def delivery_status(twilio_status: str | None) -> str | None:
    """The hub's delivery status for a Twilio message status; None for statuses that
    say nothing about an outbound message (``receiving``, ``received``)."""
    return _STATUSES.get((twilio_status or "").strip().lower())


def inbound_from_form(form: FormData) -> Inbound:
    """An ``Inbound`` for an incoming SMS/MMS webhook (From, Body, MessageSid, MediaN)."""
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
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid")
    body = str(form.get("Body") or "")
    return Inbound(
        channel="sms",
        kind="phone",
        address=str(form.get("From") or ""),
        body=body or None,
        provider_id=str(sid) if sid else None,
        media=tuple(media),
        data={"to": str(form.get("To") or "")},
    )
