"""The SMS channel: Twilio Messaging webhooks in, REST API out."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import Route

from connectors.base import Connector
from connectors.sms.callbacks import SmsCallbacks
from connectors.sms.sender import TwilioSender
from connectors.twilio.checks import credential_problems, number_problems
from hub.checks import Problem
from hub.errors import SendError
from hub.port import HubPort
from hub.settings import Settings
from hub.types import Outbound, SendResult

# Twilio: "Attempt to send to unsubscribed recipient".
UNSUBSCRIBED = "21610"


class SmsConnector(Connector):
    """Customers text the hub's number; agents' replies go out as SMS.

    Routes: ``POST /twilio/sms`` (incoming messages) and ``POST /twilio/sms/status``
    (delivery status callbacks). Replies to a number that texted STOP are refused.
    """

    channel = "sms"
    reply_kinds = ("phone",)
    label = "SMS"

    def __init__(self, port: HubPort) -> None:
        super().__init__(port)
        self.sender = TwilioSender(port.settings)
        self.callbacks = SmsCallbacks(port)

    @classmethod
    async def check(cls, settings: Settings) -> Sequence[Problem]:
        return [
            *credential_problems(settings),
            *number_problems(settings, "TWILIO_SMS_NUMBER", settings.twilio_sms_number),
        ]

    def provider_callbacks(self) -> Sequence[Route]:
        return [
            Route("/twilio/sms", self.callbacks.incoming, methods=["POST"]),
            Route("/twilio/sms/status", self.callbacks.status, methods=["POST"]),
        ]

    def can_reach(self, kind: str, address: str, *, opted_out: bool = False) -> bool:
        return kind in self.reply_kinds and not opted_out

    async def shutdown(self) -> None:
        await self.sender.close()

    async def send(self, message: Outbound) -> SendResult:
        try:
            return await self.sender.send(message)
        except SendError as exc:
            if exc.code == UNSUBSCRIBED:
                # Twilio knows the number opted out (e.g. before the hub existed).
                await self.port.opt_out(message.kind, message.address)
            raise

    async def reconcile(self, message: Outbound) -> SendResult | None:
        async def claimed_elsewhere(sid: str) -> bool:
            event = await self.port.find_event(self.channel, sid)
            return event is not None and event.id != message.event_id

        return await self.sender.reconcile(message, claimed_elsewhere)
