"""The email tests' fixtures (a mail catcher, the SMTP receiver on a free port)."""

from tests.connectors.email.conftest import email_env, settings, sink

__all__ = ["email_env", "settings", "sink"]
