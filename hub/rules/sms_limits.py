"""Limits on the texts a stranger can make the hub send: one-time verification codes and
widget handoff texts (SMS pumping: bots requesting codes to premium or foreign numbers,
billed to the company).

Checked once, here, before any such text is queued (``hub.actions.verification``,
``hub.actions.handoff.offer_handoff``), on top of the widget's per-visitor limits — which a
bot escapes by starting a new anonymous visitor each time:

- the destination's country must be in ``HUB_SMS_COUNTRIES`` (default: the
  ``HUB_DEFAULT_REGION``'s only);
- at most ``HUB_SMS_PER_NUMBER_HOUR`` (3) such texts to one number per hour, whoever asks;
- at most ``HUB_SMS_PER_CLIENT_HOUR`` (10) per client address per hour, across visitors;
- at most ``HUB_SMS_HOURLY_BUDGET`` (100) in the whole hub per hour.

Counts are shared by every hub process through Redis when ``HUB_REDIS_URL`` is set
(``hub.counters``), per process otherwise. Codes sent by email count per address and
per client only (no country, no global SMS budget).
"""

from __future__ import annotations

import hashlib

import phonenumbers

from hub.core import Hub
from hub.errors import HubError, Invalid
from hub.models.customer import PHONE

HOUR = 3600.0


class TooManyTexts(HubError):
    code = "rate_limited"
    status = 429


def _key(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def country_of(number: str) -> str | None:
    """The region code (``US``, ``GB``…) of an E.164 number, None when unknown. A
    number no region claims (a fictional ``+1 555 01xx``) counts as its calling code's
    main region; international networks (``+882``…) are ``001``, never allowed."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    return region or phonenumbers.region_code_for_country_code(parsed.country_code or 0)


async def check_text_allowed(hub: Hub, kind: str, address: str, *, client: str | None) -> None:
    """Count one code or handoff text to ``(kind, address)`` asked for by ``client``
    (an IP address), or raise: ``Invalid`` (``country_not_allowed``) for a number
    outside the allowed countries, ``TooManyTexts`` (429) past a limit. Nothing is
    counted when it refuses."""
    settings = hub.settings
    counters = hub.counters
    destination = f"sms:to:{kind}:{_key(address)}"
    origin = f"sms:client:{client or 'unknown'}"
    if kind == PHONE:
        country = country_of(address)
        if country not in settings.sms_allowed_countries:
            raise Invalid(
                "we cannot text numbers in that country; continue here or by phone",
                code="country_not_allowed",
            )
        if await counters.count("sms:global", HOUR) >= settings.sms_hourly_budget:
            raise TooManyTexts("we cannot send more texts right now; try again later")
    if await counters.count(destination, HOUR) >= settings.sms_per_number_hour:
        raise TooManyTexts("too many codes sent to that address; try again in an hour")
    if await counters.count(origin, HOUR) >= settings.sms_per_client_hour:
        raise TooManyTexts("too many codes requested from your network; try again later")
    await counters.hit(destination, HOUR)
    await counters.hit(origin, HOUR)
    if kind == PHONE:
        await counters.hit("sms:global", HOUR)
