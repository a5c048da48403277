"""The email channel's settings: parsed from the environment, refused with the
variable's name when malformed, passwords never in a repr."""

from __future__ import annotations

import pytest

from connectors.email.settings import EmailSettings, EmailSettingsError
from hub.settings import Settings


def email_settings(**env: str) -> EmailSettings:
    return EmailSettings.from_settings(Settings(environ=env))


def test_everything_is_off_by_default() -> None:
    settings = email_settings()
    assert (settings.listen, settings.imap, settings.smtp, settings.address) == (None,) * 4
    assert settings.reply_languages == ("en",)


def test_urls_and_addresses_are_parsed() -> None:
    settings = email_settings(
        HUB_SMTP_LISTEN="0.0.0.0:2525",
        HUB_IMAP_URL="imaps://shop%40example.com:p%40ss@imap.example.com/Support",
        HUB_SMTP_URL="smtp://relay:secret@smtp.example.com:587",
        HUB_EMAIL_ADDRESS="Support@Shop.example",
        HUB_EMAIL_REPLY_LANGUAGES="en, de",
    )
    assert settings.listen == ("0.0.0.0", 2525)
    imap = settings.imap
    assert imap is not None
    assert (imap.host, imap.port, imap.tls, imap.username, imap.password, imap.path) == (
        "imap.example.com",
        993,
        True,
        "shop@example.com",
        "p@ss",
        "Support",
    )
    smtp = settings.smtp
    assert smtp is not None and (smtp.port, smtp.tls) == (587, False)
    assert "secret" not in repr(settings) and "p@ss" not in repr(settings)
    assert settings.domain == "shop.example"
    assert settings.reply_languages == ("en", "de")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HUB_SMTP_LISTEN", "2525"),
        ("HUB_IMAP_URL", "https://imap.example.com/INBOX"),
        ("HUB_IMAP_URL", "imap://user:password@imap.example.com/INBOX"),
        ("HUB_SMTP_URL", "smtp://"),
        ("HUB_EMAIL_MAX_MESSAGE_BYTES", "lots"),
        ("HUB_EMAIL_REPLY_LANGUAGES", "en,klingon"),
    ],
)
def test_malformed_values_name_their_variable(name: str, value: str) -> None:
    with pytest.raises(EmailSettingsError, match=name):
        email_settings(**{name: value})
