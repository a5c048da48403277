"""Sending WhatsApp messages through Twilio's Messages API (``connectors.twilio.sender``).

A free-form reply is a Messages create with ``whatsapp:`` addresses; a template is
the same create with ``ContentSid`` and ``ContentVariables`` instead of a body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connectors.twilio.sender import MessagesSender
from connectors.whatsapp.parse import whatsapp_address
from connectors.whatsapp.settings import WhatsappSettings
from hub.errors import SendError
from hub.settings import Settings
from hub.types import Outbound

STATUS_PATH = "/twilio/whatsapp/status"


class WhatsappSender(MessagesSender):
    """Free-form messages and approved templates from ``TWILIO_WHATSAPP_NUMBER``; 4xx
    answers are permanent with Twilio's code (63016: outside the 24-hour window)."""

    status_path = STATUS_PATH

    def __init__(self, settings: Settings, channel: WhatsappSettings) -> None:
        super().__init__(settings)
        self.channel = channel

    def sender(self) -> str:
        if not self.channel.sender:
            raise SendError(
                "no WhatsApp sender configured (TWILIO_WHATSAPP_NUMBER)",
                code="not_configured",
                transient=False,
            )
        return self.channel.sender

    def recipient(self, address: str) -> str:
        return whatsapp_address(address)

    def payload(self, message: Outbound) -> dict[str, Any]:
        """The template in ``message.data["template"]`` (``sid``, ``variables``), or
        the free-form body and media."""
        template = message.data.get("template")
        if isinstance(template, Mapping) and template.get("sid"):
            return {
                "content_sid": str(template["sid"]),
                "content_variables": json.dumps(dict(template.get("variables") or {})),
            }
        return super().payload(message)

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
