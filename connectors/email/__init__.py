"""Email: an SMTP receiver and IMAP polling in, SMTP out (see docs/email.md)."""

from connectors.email.connector import EmailConnector

__all__ = ["EmailConnector"]
