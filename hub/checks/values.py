"""Checks of the hub's own settings, from their values alone (no network)."""

from __future__ import annotations

import ipaddress
import stat
from collections.abc import Sequence
from urllib.parse import urlsplit

import phonenumbers

from hub.checks import Problem
from hub.settings import Settings

MIN_SECRET_KEY_CHARS = 32
NEW_KEY_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def check_public_url(settings: Settings) -> Sequence[Problem]:
    """``HUB_PUBLIC_URL`` is where Twilio and browsers reach the hub: an http(s) origin
    (the hub serves at the site's root), https unless it is this machine."""
    url = settings.public_url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [
            Problem(
                "HUB_PUBLIC_URL",
                f"{url!r} is not a web address: write the URL people and Twilio use to reach "
                "the hub, e.g. https://support.example.com.",
            )
        ]
    found = []
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        found.append(
            Problem(
                "HUB_PUBLIC_URL",
                f"{url!r} has a path or query: the hub serves at the root of its own site; "
                "give only the scheme and host, e.g. https://support.example.com.",
            )
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        found.append(
            Problem(
                "HUB_PUBLIC_URL",
                f"{url!r} is plain http: passwords, session cookies and customers' messages "
                "would cross the network unencrypted. Put the hub behind a TLS proxy and use "
                "https:// (plain http is for trying the hub on this machine).",
                fatal=False,
            )
        )
    return found


async def check_allowed_origins(settings: Settings) -> Sequence[Problem]:
    """Each ``HUB_ALLOWED_ORIGINS`` entry is an origin: scheme and host, no path."""
    found = []
    for origin in settings.allowed_origins:
        parts = urlsplit(origin)
        well_formed = (
            parts.scheme in ("http", "https")
            and parts.hostname
            and parts.path in ("", "/")
            and not parts.query
            and not parts.fragment
            and not parts.username
        )
        if not well_formed:
            found.append(
                Problem(
                    "HUB_ALLOWED_ORIGINS",
                    f"{origin!r} is not an origin: list the sites that embed the widget as "
                    "scheme and host only, comma-separated, e.g. "
                    "https://shop.example.com,https://www.example.com.",
                )
            )
    return found


async def check_secret_key(settings: Settings) -> Sequence[Problem]:
    """The key signing sessions and visitor tokens: long enough, and the same one after a
    restart and in every process (else everyone is signed out and widgets lose their
    conversation)."""
    given = settings.environ.get("HUB_SECRET_KEY")
    if given:
        if len(given) < MIN_SECRET_KEY_CHARS:
            return [
                Problem(
                    "HUB_SECRET_KEY",
                    f"is {len(given)} characters long; use at least {MIN_SECRET_KEY_CHARS} "
                    f"random ones, e.g. from: {NEW_KEY_HINT}",
                )
            ]
        return []
    path = settings.var_dir / "secret_key"
    found = []
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return [
            Problem(
                "HUB_SECRET_KEY",
                f"is unset and the generated key cannot be read from {path} ({exc.strerror}): "
                f"set HUB_SECRET_KEY, or make HUB_VAR_DIR ({settings.var_dir}) a writable, "
                "persistent directory.",
            )
        ]
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        found.append(
            Problem(
                "HUB_SECRET_KEY",
                f"the generated key in {path} is readable by other users: chmod 600 {path}.",
                fatal=False,
            )
        )
    if settings.redis_url:
        found.append(
            Problem(
                "HUB_SECRET_KEY",
                f"is unset, so each machine or container generates its own in {path}, "
                "while HUB_REDIS_URL says several processes serve together: set "
                "HUB_SECRET_KEY to the same value in every one of them, e.g. from: "
                f"{NEW_KEY_HINT}",
                fatal=False,
            )
        )
    return found


async def check_default_region(settings: Settings) -> Sequence[Problem]:
    if settings.default_region in phonenumbers.SUPPORTED_REGIONS:
        return []
    return [
        Problem(
            "HUB_DEFAULT_REGION",
            f"{settings.default_region!r} is not a region code: use the two letters of the "
            "country phone numbers without a country code come from, e.g. US, GB, FR.",
        )
    ]
