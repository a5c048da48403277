"""Sending WhatsApp messages through the ``twilio`` REST client.

A free-form reply is a Messages create with ``whatsapp:`` addresses; a template is
the same create with ``ContentSid`` and ``ContentVariables`` instead of a body. The
outbox calls ``send`` after commit; ``reconcile`` finds a send lost in a crash.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from twilio.base import values
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from connectors.twilio.client import NETWORK_ERRORS, send_error, twilio_client
from connectors.twilio.messaging import delivery_status
from connectors.whatsapp.parse import whatsapp_address
from connectors.whatsapp.settings import WhatsappSettings
from hub.errors import SendError
from hub.settings import Settings
from hub.types import Outbound, SendResult

log = logging.getLogger(__name__)

STATUS_PATH = "/twilio/whatsapp/status"
RECONCILE_WINDOW = 20


def status_callback_url(settings: Settings, event_id: int) -> str:
    """Where Twilio reports on the message; our event id rides in the (signed) query."""
    return f"{settings.public_url.rstrip('/')}{STATUS_PATH}?m={event_id}"


class WhatsappSender:
    """One REST client per process, created in the running loop and closed on shutdown."""

    def __init__(self, settings: Settings, channel: WhatsappSettings) -> None:
        self.settings = settings
        self.channel = channel
        self._client: Client | None = None

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

    def sender(self) -> str:
        if not self.channel.sender:
            raise SendError(
                "no WhatsApp sender configured (TWILIO_WHATSAPP_NUMBER)",
                code="not_configured",
                transient=False,
            )
        return self.channel.sender

    async def close(self) -> None:
        if self._client is not None:
            http = self._client.http_client
            self._client = None
            close = getattr(http, "close", None)
            if close is not None:
                await close()

    async def send(self, message: Outbound) -> SendResult:
        """Create the message at Twilio: the template in ``message.data["template"]``
        (``sid``, ``variables``) or the free-form body and media. 4xx → permanent
        ``SendError`` with Twilio's code (63016: outside the window), 5xx/network →
        transient."""
        client, sender = self.client(), self.sender()
        template = message.data.get("template")
        kwargs: dict[str, Any] = {}
        if isinstance(template, Mapping) and template.get("sid"):
            kwargs["content_sid"] = str(template["sid"])
            kwargs["content_variables"] = json.dumps(dict(template.get("variables") or {}))
        else:
            kwargs["body"] = message.body
            kwargs["media_url"] = [m.url for m in message.media] or values.unset
        try:
            created = await client.messages.create_async(
                to=whatsapp_address(message.address),
                from_=sender,
                status_callback=status_callback_url(self.settings, message.event_id),
                **kwargs,
            )
        except TwilioException as exc:
            raise send_error(exc) from exc
        except NETWORK_ERRORS as exc:
            raise SendError(f"Twilio unreachable: {exc!r}", code="network") from exc
        return SendResult(created.sid, delivery_status(created.status) or "queued")

    async def reconcile(
        self, message: Outbound, claimed_elsewhere: Callable[[str], Awaitable[bool]]
    ) -> SendResult | None:
        """The Twilio message an earlier attempt created for ``message``, if any: the
        latest messages to the customer with the same text that no other event holds
        (as for SMS). Raises a transient ``SendError`` when Twilio cannot be asked."""
        client, sender = self.client(), self.sender()
        try:
            recent: list[Any] = await client.messages.list_async(
                to=whatsapp_address(message.address), from_=sender, limit=RECONCILE_WINDOW
            )
        except TwilioException as exc:
            error = send_error(exc)
            raise SendError(f"cannot reconcile: {error.message}", code=error.code) from exc
        except NETWORK_ERRORS as exc:
            raise SendError(f"Twilio unreachable: {exc!r}", code="network") from exc
        if not message.body:
            return None
        for found in recent:
            if (found.body or "").endswith(message.body) and not await claimed_elsewhere(found.sid):
                log.info("event %s was already sent as %s", message.event_id, found.sid)
                return SendResult(found.sid, delivery_status(found.status) or "queued")
        return None

    async def content(self) -> list[Mapping[str, Any]]:
        """Every Content API item with its approvals (``GET /v1/ContentAndApprovals``)."""
        items = await self.client().content.v1.content_and_approvals.list_async()
        return [
            {
                "sid": item.sid,
                "friendly_name": item.friendly_name,
                "language": item.language,
                "variables": item.variables,
                "types": item.types,
                "approval_requests": item.approval_requests,
            }
            for item in items
        ]
