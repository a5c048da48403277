"""The email channel's settings, read from ``Settings.environ`` (see docs/email.md).

| variable | default | meaning |
| --- | --- | --- |
| ``HUB_SMTP_LISTEN`` | unset (off) | ``host:port`` of the built-in SMTP receiver |
| ``HUB_IMAP_URL`` | unset (off) | ``imaps://user:password@host[:port]/MAILBOX`` to poll |
| ``HUB_IMAP_POLL_SECONDS`` | ``30`` | seconds between polls when the server has no IDLE |
| ``HUB_IMAP_MOVE_TO`` | unset | mailbox to move imported mail to (else it is flagged) |
| ``HUB_SMTP_URL`` | unset | ``smtp[s]://user:password@host:port`` for outbound mail |
| ``HUB_EMAIL_ADDRESS`` | unset | the From address of outbound mail |
| ``HUB_EMAIL_TRUSTED_AUTHSERV_ID`` | unset | authserv-id of the upstream MTA whose
  ``Authentication-Results`` (``dmarc=pass``) is believed |
| ``HUB_EMAIL_MAX_MESSAGE_BYTES`` | 41943040 (40 MiB) | larger messages are refused |
| ``HUB_EMAIL_MAX_ATTACHMENT_BYTES`` | 10485760 (10 MiB) | larger attachments are
  listed but not kept |
| ``HUB_EMAIL_REPLY_LANGUAGES`` | ``en`` | languages of the quote headers ("On … wrote:")
  the reply parser looks for, comma-separated (``en,de,fr``…) |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from mailparser_reply.constants import MAIL_LANGUAGES

from hub.settings import Settings

DEFAULT_MAX_MESSAGE_BYTES = 40 * 1024 * 1024
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class EmailSettingsError(ValueError):
    """A malformed email setting; the message names the variable."""


@dataclass(frozen=True)
class Endpoint:
    """A server from a ``scheme://user:password@host:port/path`` URL."""

    host: str
    port: int
    tls: bool  # implicit TLS (imaps, smtps); plain smtp still upgrades with STARTTLS
    username: str | None = None
    password: str | None = None
    path: str = ""

    def __repr__(self) -> str:  # never print the password
        return f"Endpoint({self.host}:{self.port}, tls={self.tls}, user={self.username!r})"


@dataclass(frozen=True)
class EmailSettings:
    listen: tuple[str, int] | None = None
    imap: Endpoint | None = None
    imap_poll_seconds: float = 30.0
    imap_move_to: str | None = None
    smtp: Endpoint | None = None
    address: str | None = None
    trusted_authserv_id: str | None = None
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
    reply_languages: tuple[str, ...] = ("en",)

    @property
    def domain(self) -> str:
        """The domain of our Message-IDs: the From address's, else ``hub.invalid``."""
        if self.address and "@" in self.address:
            return self.address.rsplit("@", 1)[1].lower()
        return "hub.invalid"

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailSettings:
        env = settings.environ
        listen = env.get("HUB_SMTP_LISTEN") or None
        imap = env.get("HUB_IMAP_URL") or None
        smtp = env.get("HUB_SMTP_URL") or None
        return cls(
            listen=_host_port(listen, "HUB_SMTP_LISTEN") if listen else None,
            imap=_imap(imap) if imap else None,
            imap_poll_seconds=_number(env, "HUB_IMAP_POLL_SECONDS", 30.0),
            imap_move_to=env.get("HUB_IMAP_MOVE_TO") or None,
            smtp=_endpoint(smtp, "HUB_SMTP_URL", {"smtp": (587, False), "smtps": (465, True)})
            if smtp
            else None,
            address=(env.get("HUB_EMAIL_ADDRESS") or "").strip() or None,
            trusted_authserv_id=(env.get("HUB_EMAIL_TRUSTED_AUTHSERV_ID") or "").strip() or None,
            max_message_bytes=int(
                _number(env, "HUB_EMAIL_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES)
            ),
            max_attachment_bytes=int(
                _number(env, "HUB_EMAIL_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES)
            ),
            reply_languages=_languages(env.get("HUB_EMAIL_REPLY_LANGUAGES") or "en"),
        )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise EmailSettingsError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise EmailSettingsError(f"{name} must be positive")
    return value


def _languages(value: str) -> tuple[str, ...]:
    languages = tuple(part.strip().lower() for part in value.split(",") if part.strip())
    unknown = [lang for lang in languages if lang not in MAIL_LANGUAGES]
    if unknown or not languages:
        known = ", ".join(sorted(MAIL_LANGUAGES))
        raise EmailSettingsError(f"HUB_EMAIL_REPLY_LANGUAGES: unknown {unknown}; known: {known}")
    return languages


def _imap(url: str) -> Endpoint:
    """``imaps://`` anywhere; plain ``imap://`` (password in clear) only on loopback."""
    endpoint = _endpoint(url, "HUB_IMAP_URL", {"imap": (143, False), "imaps": (993, True)})
    if not endpoint.tls and endpoint.host not in ("127.0.0.1", "::1", "localhost"):
        raise EmailSettingsError("HUB_IMAP_URL must be imaps:// for a server off this machine")
    return endpoint


def _host_port(value: str, name: str) -> tuple[str, int]:
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit():
        raise EmailSettingsError(f"{name} must be host:port, not {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _endpoint(url: str, name: str, schemes: dict[str, tuple[int, bool]]) -> Endpoint:
    parts = urlsplit(url.strip())
    if parts.scheme not in schemes or not parts.hostname:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise EmailSettingsError(f"{name} must start with {allowed} and name a host")
    default_port, tls = schemes[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise EmailSettingsError(f"{name} has an invalid port") from None
    return Endpoint(
        host=parts.hostname,
        port=port,
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        path=unquote(parts.path.lstrip("/")),
    )
