"""WhatsApp through Twilio: incoming messages and read receipts, replies inside the
24-hour window, approved templates outside it (docs/whatsapp.md)."""

from connectors.whatsapp.connector import WhatsappConnector

__all__ = ["WhatsappConnector"]
