"""Twilio's WhatsApp webhooks: verify, hand to one action, answer fast.

``POST /twilio/whatsapp`` receives messages, ``POST /twilio/whatsapp/status`` the
status of the hub's own (sent, delivered, read…). A WhatsApp sender whose incoming
webhook is the SMS one (``POST /twilio/sms``, e.g. one Messaging Service for both)
is routed here too: the SMS connector hands over any form whose ``From`` is a
``whatsapp:`` address (``receive``).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

from connectors.twilio.messaging import ERROR_MESSAGES, delivery_status, message_sid
from connectors.twilio.signatures import verified_form
from connectors.whatsapp.parse import CHANNEL, inbound_from_form, is_whatsapp, phone_of
from connectors.whatsapp.settings import WhatsappSettings
from hub.port import CUSTOMER_MESSAGE, KEYWORD, START, STOP, HubPort, Receipt, consent_keyword

log = logging.getLogger(__name__)

FAILED = ("failed", "undelivered")
# Identities this process knows are opted in (saves a write per message); bounded.
MAX_KNOWN_OPT_INS = 50_000
_EMPTY_TWIML = str(MessagingResponse()).encode()


def empty_twiml() -> Response:
    """``<Response/>``: nothing is said automatically; agents answer later."""
    return Response(_EMPTY_TWIML, media_type="text/xml")


class WhatsappCallbacks:
    def __init__(self, port: HubPort, settings: WhatsappSettings) -> None:
        self.port = port
        self.settings = settings
        self._opted_in: set[int] = set()

    async def incoming(self, request: Request) -> Response:
        """``POST /twilio/whatsapp``: a WhatsApp message from a customer (403 unless
        signed by Twilio)."""
        return await self.receive(await verified_form(request, self.port.settings))

    async def receive(self, form: FormData) -> Response:
        """Store a verified incoming WhatsApp message in the sender's thread.

        The sender is the phone identity of its number (one thread with its SMS and
        calls). Media, locations, button and list replies are kept on the event. A
        message records the number's WhatsApp opt-in (``customer_message``; START:
        ``keyword``), which templates need. STOP/START set the number's opt-out in
        the same transaction — the one flag SMS uses too, so STOP on either channel
        stops both (docs/whatsapp.md says why). A replayed MessageSid changes nothing;
        a message from the hub's own sender is ignored so the channel never echoes
        itself.
        """
        sender = str(form.get("From") or "")
        if not is_whatsapp(sender) or self._is_own(sender):
            return empty_twiml()
        inbound = inbound_from_form(form)
        keyword = consent_keyword(inbound.body, str(form.get("OptOutType") or "") or None)
        received = await self.port.ingest(replace(inbound, consent=keyword))
        if not received.duplicate and keyword != STOP:
            await self._record_opt_in(received, KEYWORD if keyword == START else CUSTOMER_MESSAGE)
        return empty_twiml()

    async def _record_opt_in(self, received: Receipt, source: str) -> None:
        """A customer who writes on WhatsApp opted in to hearing from the business
        there: recorded once per number (the first record stands)."""
        identity_id = received.identity_id
        if identity_id is None or identity_id in self._opted_in:
            return
        await self.port.record_opt_in(identity_id, CHANNEL, source)
        if len(self._opted_in) >= MAX_KNOWN_OPT_INS:
            self._opted_in.clear()
        self._opted_in.add(identity_id)

    async def status(self, request: Request) -> Response:
        """``POST /twilio/whatsapp/status?m=<event id>``: what became of a reply.

        WhatsApp reports ``read`` after ``delivered``; the status only moves forward
        (``record_delivery``), so a late ``sent`` after ``read`` and replays change
        nothing. The event id in the query was put there by our own send and is
        covered by the signature.
        """
        form = await verified_form(request, self.port.settings)
        status = delivery_status(str(form.get("MessageStatus") or form.get("SmsStatus") or ""))
        sid = message_sid(form)
        if status is None or sid is None:
            return Response(status_code=204)
        code = str(form.get("ErrorCode") or "") or None
        failed = status in FAILED
        error_code = code if failed else None
        error_message = ERROR_MESSAGES.get(code or "") if failed else None
        event_id = _int(request.query_params.get("m"))
        if event_id is not None:
            found = await self.port.record_delivery(
                status,
                event_id=event_id,
                new_provider_id=sid,
                error_code=error_code,
                error_message=error_message,
            )
        else:
            found = await self.port.record_delivery(
                status,
                channel=CHANNEL,
                provider_id=sid,
                error_code=error_code,
                error_message=error_message,
            )
        if found is None:
            log.info("status %s for unknown WhatsApp message %s", status, sid)
        return Response(status_code=204)

    def _is_own(self, sender: str) -> bool:
        own = self.settings.number
        return bool(own) and phone_of(sender) == own


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
