"""Sending SMS through Twilio's Messages API (``connectors.twilio.sender``)."""

from __future__ import annotations

from connectors.twilio.sender import MessagesSender
from hub.errors import SendError

STATUS_PATH = "/twilio/sms/status"


class TwilioSender(MessagesSender):
    """SMS and MMS from ``TWILIO_SMS_NUMBER``."""

    status_path = STATUS_PATH

    def sender(self) -> str:
        if not self.settings.twilio_sms_number:
            raise SendError(
                "no SMS number configured (TWILIO_SMS_NUMBER)",
                code="not_configured",
                transient=False,
            )
        return self.settings.twilio_sms_number
