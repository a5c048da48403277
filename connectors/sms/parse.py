"""Turning Twilio Messaging webhook parameters into what the core understands."""

from __future__ import annotations

from starlette.datastructures import FormData

from connectors.twilio.messaging import (
    ERROR_MESSAGES,
    MAX_MEDIA,
    delivery_status,
    media_from_form,
    message_sid,
)
from hub.types import Inbound

__all__ = ["ERROR_MESSAGES", "MAX_MEDIA", "delivery_status", "inbound_from_form"]


def inbound_from_form(form: FormData) -> Inbound:
    """An ``Inbound`` for an incoming SMS/MMS webhook (From, Body, MessageSid, MediaN)."""
    sid = message_sid(form)
    body = str(form.get("Body") or "")
    return Inbound(
        channel="sms",
        kind="phone",
        address=str(form.get("From") or ""),
        body=body or None,
        provider_id=sid,
        media=media_from_form(form),
        data={"to": str(form.get("To") or "")},
    )
