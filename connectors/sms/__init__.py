"""SMS through Twilio Messaging: inbound webhooks, delivery status, outbound replies."""

from connectors.sms.connector import SmsConnector

__all__ = ["SmsConnector"]
