"""Turning Twilio's WhatsApp webhook parameters into what the core understands.

Twilio carries WhatsApp on its Messages API: the same form as an SMS, addresses
prefixed ``whatsapp:``, plus what WhatsApp adds — the sender's profile name and
``WaId``, shared locations (``Latitude``/``Longitude``/``Address``/``Label``), quick-reply
buttons (``ButtonText``/``ButtonPayload``), list picks (``ListId``/``ListTitle``) and the
message a reply quotes (``OriginalRepliedMessageSid``). All of it is kept in the
event's ``data``; the sender is recognised by the phone number, like SMS.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from connectors.twilio.messaging import media_from_form, message_sid
from connectors.whatsapp.settings import PREFIX
from hub.types import Inbound

CHANNEL = "whatsapp"
PHONE = "phone"


def is_whatsapp(address: str | None) -> bool:
    """Whether a Twilio ``From``/``To`` is a WhatsApp address (``whatsapp:+E164``)."""
    return (address or "").strip().lower().startswith(PREFIX)


def phone_of(address: str) -> str:
    """The phone number of a WhatsApp address (``whatsapp:+15551230000`` → ``+15551230000``)."""
    text = address.strip()
    return text[len(PREFIX) :] if text.lower().startswith(PREFIX) else text


def whatsapp_address(phone: str) -> str:
    """The Twilio address for sending to ``phone`` on WhatsApp."""
    return PREFIX + phone_of(phone)


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    text = str(value).strip() if value is not None else ""
    return text or None


def location_of(form: FormData) -> dict[str, Any] | None:
    """A shared location, or None. Coordinates stay strings of what Twilio sent,
    parsed to floats only when they are numbers."""
    lat, lon = _text(form, "Latitude"), _text(form, "Longitude")
    if lat is None or lon is None:
        return None
    try:
        latitude, longitude = float(lat), float(lon)
    except ValueError:
        return None
    place: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    for key, name in (("address", "Address"), ("label", "Label")):
        if (value := _text(form, name)) is not None:
            place[key] = value
    return place


def location_text(place: dict[str, Any]) -> str:
    """What the timeline shows for a location without a caption."""
    named = ", ".join(str(place[k]) for k in ("label", "address") if place.get(k))
    coordinates = f"{place['latitude']:.6f}, {place['longitude']:.6f}"
    return f"📍 {named} ({coordinates})" if named else f"📍 {coordinates}"


def inbound_from_form(form: FormData) -> Inbound:
    """An ``Inbound`` for an incoming WhatsApp message.

    The sender is the phone identity of ``From`` without its prefix, verified: WhatsApp
    delivered the message from that number. The profile name is only a name the person
    chose, used when the customer has none yet.
    """
    data: dict[str, Any] = {"to": str(form.get("To") or "")}
    for key, name in (
        ("wa_id", "WaId"),
        ("message_type", "MessageType"),
        ("replied_to", "OriginalRepliedMessageSid"),
    ):
        if (value := _text(form, name)) is not None:
            data[key] = value
    body = str(form.get("Body") or "").strip() or None
    place = location_of(form)
    if place is not None:
        data["location"] = place
        body = body or location_text(place)
    button_text, payload = _text(form, "ButtonText"), _text(form, "ButtonPayload")
    if button_text or payload:
        data["button"] = {"text": button_text, "payload": payload}
        body = body or button_text
    list_id, list_title = _text(form, "ListId"), _text(form, "ListTitle")
    if list_id or list_title:
        data["list_reply"] = {"id": list_id, "title": list_title}
        body = body or list_title
    return Inbound(
        channel=CHANNEL,
        kind=PHONE,
        address=phone_of(str(form.get("From") or "")),
        body=body,
        provider_id=message_sid(form),
        verified=True,
        name=_text(form, "ProfileName"),
        media=media_from_form(form),
        data=data,
    )
