"""Sending SMS through the ``twilio`` REST client and finding sends lost in a crash."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from twilio.base import values
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from connectors.sms.parse import delivery_status
from connectors.twilio.client import NETWORK_ERRORS, send_error, twilio_client
from hub.errors import SendError
from hub.settings import Settings
from hub.types import Outbound, SendResult

log = logging.getLogger(__name__)

STATUS_PATH = "/twilio/sms/status"
# How many recent messages to the customer's number ``reconcile`` looks through.
RECONCILE_WINDOW = 20


def status_callback_url(settings: Settings, event_id: int) -> str:
    """Where Twilio reports on the message; our event id rides in the (signed) query."""
    return f"{settings.public_url.rstrip('/')}{STATUS_PATH}?m={event_id}"


class TwilioSender:
    """One REST client per process, created in the running loop and closed on shutdown."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Client | None = None

    def client(self) -> Client:
        settings = self.settings
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise SendError(
                "Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)",
                code="not_configured",
                transient=False,
            )
        if not settings.twilio_sms_number:
            raise SendError(
                "no SMS number configured (TWILIO_SMS_NUMBER)",
                code="not_configured",
                transient=False,
            )
        if self._client is None:
            self._client = twilio_client(settings)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            http = self._client.http_client
            self._client = None
            close = getattr(http, "close", None)
            if close is not None:
                await close()

    async def send(self, message: Outbound) -> SendResult:
        """Create the message at Twilio; 4xx → permanent ``SendError`` with Twilio's code,
        5xx/429/network → transient."""
        client = self.client()
        media = [m.url for m in message.media]
        try:
            created = await client.messages.create_async(
                to=message.address,
                from_=self.settings.twilio_sms_number,
                body=message.body,
                media_url=media or values.unset,
                status_callback=status_callback_url(self.settings, message.event_id),
            )
        except TwilioException as exc:
            raise send_error(exc) from exc
        except NETWORK_ERRORS as exc:
            raise SendError(f"Twilio unreachable: {exc!r}", code="network") from exc
        return SendResult(created.sid, delivery_status(created.status) or "queued")

    async def reconcile(
        self, message: Outbound, claimed_elsewhere: Callable[[str], Awaitable[bool]]
    ) -> SendResult | None:
        """The Twilio message an earlier attempt created for ``message``, if any.

        Twilio keeps no id of ours on a message, so this looks through the latest
        messages from our number to the customer's for the same body whose SID no
        other event holds (``claimed_elsewhere``). If Twilio cannot be asked, raises a
        transient ``SendError`` rather than risk a second send.
        """
        client = self.client()
        try:
            recent: list[Any] = await client.messages.list_async(
                to=message.address, from_=self.settings.twilio_sms_number, limit=RECONCILE_WINDOW
            )
        except TwilioException as exc:
            error = send_error(exc)
            raise SendError(f"cannot reconcile: {error.message}", code=error.code) from exc
        except NETWORK_ERRORS as exc:
            raise SendError(f"Twilio unreachable: {exc!r}", code="network") from exc
        if not message.body:
            return None  # nothing to recognise it by; a media-only resend is the lesser harm
        for found in recent:
            # A trial account prefixes bodies ("Sent from your Twilio trial account - ").
            if (found.body or "").endswith(message.body) and not await claimed_elsewhere(found.sid):
                log.info("event %s was already sent as %s", message.event_id, found.sid)
                return SendResult(found.sid, delivery_status(found.status) or "queued")
        return None
