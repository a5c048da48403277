"""Checks of the Twilio settings the SMS, voice (and WhatsApp) connectors share."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from hub.checks import Problem, e164_problems, together_problems
from hub.checks.values import is_loopback
from hub.settings import Settings

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
REAL_API_BASE = "https://api.twilio.com"


def credential_problems(settings: Settings) -> list[Problem]:
    """The account SID and auth token are set together, and the SID looks like one."""
    found = together_problems(
        {
            "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        },
        "the Twilio account: Console → Account info",
    )
    sid = settings.twilio_account_sid
    if sid and not _ACCOUNT_SID.fullmatch(sid):
        found.append(
            Problem(
                "TWILIO_ACCOUNT_SID",
                f"{sid!r} is not an account SID: it is AC followed by 32 hexadecimal "
                "characters (Twilio Console → Account info); Twilio would refuse replies.",
                fatal=False,
            )
        )
    return found


def number_problems(settings: Settings, variable: str, number: str | None) -> list[Problem]:
    """The hub's number ``variable`` is in E.164 form, and set only with credentials
    (Twilio's webhooks to it would be refused without the auth token)."""
    found = e164_problems(variable, number)
    if number and not settings.twilio_auth_token:
        found.append(
            Problem(
                variable,
                "is set but TWILIO_AUTH_TOKEN is not: every Twilio webhook to this number "
                "would be refused. Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.",
            )
        )
    if number and settings.twilio_auth_token and _twilio_cannot_reach(settings):
        found.append(
            Problem(
                "HUB_PUBLIC_URL",
                f"is {settings.public_url}, an address on this machine, while the real "
                f"Twilio ({REAL_API_BASE}) is configured: Twilio cannot deliver messages "
                "or calls there. Set it to the hub's public https:// address.",
                fatal=False,
            )
        )
    return found


def _twilio_cannot_reach(settings: Settings) -> bool:
    real = settings.twilio_api_base.rstrip("/") == REAL_API_BASE
    return real and is_loopback(urlsplit(settings.public_url).hostname)
