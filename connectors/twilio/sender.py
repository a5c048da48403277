"""Sending through Twilio's Messages API, shared by SMS and WhatsApp.

Both channels create a message with ``messages.create`` and find a send lost in a
crash with ``messages.list``; they differ only in the sender, the recipient's address
form, what the message carries and where Twilio reports its status. A channel's sender
subclasses ``MessagesSender`` and says those four things.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from twilio.base import values
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from connectors.twilio.client import NETWORK_ERRORS, send_error, twilio_client
from connectors.twilio.messaging import delivery_status
from hub.errors import SendError
from hub.settings import Settings
from hub.types import Outbound, SendResult

log = logging.getLogger(__name__)

# How many recent messages to the customer ``reconcile`` looks through.
RECONCILE_WINDOW = 20


class MessagesSender:
    """One REST client per process, created in the running loop and closed on shutdown."""

    # The channel's status callback path; our event id rides in its (signed) query.
    status_path: ClassVar[str]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Client | None = None

    def sender(self) -> str:
        """The channel's own address at Twilio; a permanent ``SendError`` when unset."""
        raise NotImplementedError

    def recipient(self, address: str) -> str:
        """The customer's stored address in the form Twilio expects."""
        return address

    def payload(self, message: Outbound) -> dict[str, Any]:
        """What the message carries: its body and media (a channel may send otherwise)."""
        return {"body": message.body, "media_url": [m.url for m in message.media] or values.unset}

    def status_callback_url(self, event_id: int) -> str:
        return f"{self.settings.public_url.rstrip('/')}{self.status_path}?m={event_id}"

    def client(self) -> Client:
        settings = self.settings
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise SendError(
                "Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)",
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
        client, sender = self.client(), self.sender()
        try:
            created = await client.messages.create_async(
                to=self.recipient(message.address),
                from_=sender,
                status_callback=self.status_callback_url(message.event_id),
                **self.payload(message),
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
        messages from our address to the customer's for the same body whose SID no
        other event holds (``claimed_elsewhere``). If Twilio cannot be asked, raises a
        transient ``SendError`` rather than risk a second send.
        """
        client, sender = self.client(), self.sender()
        try:
            recent: list[Any] = await client.messages.list_async(
                to=self.recipient(message.address), from_=sender, limit=RECONCILE_WINDOW
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
