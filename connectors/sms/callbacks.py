"""Twilio Messaging webhooks: verify, hand to one action, answer fast."""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import lru_cache

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

from connectors.sms.parse import ERROR_MESSAGES, delivery_status, inbound_from_form
from connectors.twilio.messaging import FormReceiver, prefixed_channel
from connectors.twilio.signatures import verified_form
from hub.identity import InvalidAddress, normalize_phone
from hub.port import HubPort, consent_keyword

log = logging.getLogger(__name__)

FAILED = ("failed", "undelivered")


_EMPTY_TWIML = str(MessagingResponse()).encode()


def empty_twiml() -> Response:
    """``<Response/>``: the hub answers nothing itself; agents reply later (the
    document is rendered once; every webhook answers it)."""
    return Response(_EMPTY_TWIML, media_type="text/xml")


class SmsCallbacks:
    def __init__(self, port: HubPort) -> None:
        self.port = port

    def is_own_number(self, sender: str) -> bool:
        own = self.port.settings.twilio_sms_number
        if not own or not sender:
            return False
        region = self.port.settings.default_region
        try:
            return _normalized(sender, region) == _normalized(own, region)
        except InvalidAddress:
            return False

    async def incoming(self, request: Request) -> Response:
        """``POST /twilio/sms``: an SMS/MMS from a customer.

        Stores the message (and its media as attachments) in the sender's thread
        through ``HubPort.ingest``, the one write path: a STOP/START keyword travels with
        it (``Inbound.consent``) and updates the number's consent in the same
        transaction; the hub's policies do the rest for every channel (a bare "1"-"5"
        answering a CSAT survey is the rating; the out-of-hours reply). A first text
        from a number a recent chat gave is asked to confirm that chat, and a YES links
        them (``HubPort.follow_up_text``). A retried
        MessageSid changes nothing; messages from our own number are ignored so the
        channel never echoes itself. A WhatsApp message (``From`` ``whatsapp:…``) goes
        to the WhatsApp channel (``hand_over``).
        """
        form = await verified_form(request, self.port.settings)
        sender = str(form.get("From") or "")
        if (channel := prefixed_channel(sender)) is not None:
            return await self.hand_over(channel, form)
        if self.is_own_number(sender):
            return empty_twiml()
        inbound = inbound_from_form(form)
        keyword = consent_keyword(inbound.body, str(form.get("OptOutType") or "") or None)
        receipt = await self.port.ingest(replace(inbound, consent=keyword))
        await self.port.follow_up_text(receipt)  # "YES" is also an opt-in keyword
        return empty_twiml()

    async def hand_over(self, channel: str, form: FormData) -> Response:
        """A WhatsApp message posted to the SMS webhook (one Twilio webhook for both):
        stored by that channel's connector, never as an SMS. Dropped (logged) when the
        channel is not installed."""
        connector = self.port.connector(channel)
        if isinstance(connector, FormReceiver):
            return await connector.receive_form(form)
        log.warning("%s message on the SMS webhook, but no %s connector", channel, channel)
        return empty_twiml()

    async def status(self, request: Request) -> Response:
        """``POST /twilio/sms/status?m=<event id>``: a delivery report for a reply.

        The status only moves forward (``record_delivery``); replays and out-of-order
        callbacks change nothing. The event id in the query was put there by our own
        send and is covered by the signature.
        """
        form = await verified_form(request, self.port.settings)
        status = delivery_status(str(form.get("MessageStatus") or form.get("SmsStatus") or ""))
        sid = str(form.get("MessageSid") or form.get("SmsSid") or "") or None
        if status is None or sid is None:
            return Response(status_code=204)
        code = str(form.get("ErrorCode") or "") or None
        error = (code, ERROR_MESSAGES.get(code or "")) if status in FAILED else (None, None)
        event_id = _int(request.query_params.get("m"))
        if event_id is not None:
            found = await self.port.record_delivery(
                status,
                event_id=event_id,
                new_provider_id=sid,
                error_code=error[0],
                error_message=error[1],
            )
        else:
            found = await self.port.record_delivery(
                status, channel="sms", provider_id=sid, error_code=error[0], error_message=error[1]
            )
        if found is None:
            log.info("status %s for unknown message %s", status, sid)
        return Response(status_code=204)


@lru_cache(maxsize=4096)
def _normalized(number: str, region: str) -> str:
    """``normalize_phone``, cached: the same senders write again and again."""
    return normalize_phone(number, region)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
