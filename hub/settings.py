"""Settings read from the environment (see CONTRACT.md and the README's table).

`Settings` is a frozen dataclass so tests build apps with their own values
(`Settings(database_url=...)`) without touching the process environment.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/hub.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def _csv(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())


def _regex(env: Mapping[str, str], name: str) -> str | None:
    """``env[name]`` when it is a valid regular expression (None when unset); a broken
    one stops the hub at start with a plain message rather than at the first message."""
    value = env.get(name) or None
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{name} is not a valid regular expression: {exc}") from exc
    return value


def _load_or_create_secret(var_dir: Path) -> str:
    """Return the secret key kept in ``var/secret_key``, generating it on first run."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    # Prefix of the socket.io pub/sub channel and presence keys (HUB_REDIS_CHANNEL):
    # hubs sharing one Redis see each other only when it is the same.
    redis_channel: str = "omnihub"
    secret_key: str = field(default="", repr=False)
    public_url: str = DEFAULT_PUBLIC_URL
    default_region: str = "US"
    widget_secret: str | None = field(default=None, repr=False)
    allowed_origins: tuple[str, ...] = ()
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_api_base: str = "https://api.twilio.com"
    twilio_sms_number: str | None = None
    twilio_voice_number: str | None = None
    twilio_api_key_sid: str | None = None
    twilio_api_key_secret: str | None = field(default=None, repr=False)
    twilio_twiml_app_sid: str | None = None
    var_dir: Path = Path("./var")
    max_body_bytes: int = 1_000_000
    max_message_chars: int = 4000
    outbox_poll_seconds: float = 1.0
    # How long a claimed outbox job stays locked; after a crash its job waits this long
    # before another worker reconciles and retries it (HUB_OUTBOX_LEASE_SECONDS).
    outbox_lease_seconds: float = 60.0
    outbox_enabled: bool = True
    session_cookie_secure: bool = False
    recording_retention_days: int | None = None
    log_level: str = "INFO"
    log_format: str = "text"  # HUB_LOG_FORMAT: "json" for one JSON object per line
    # Outbound webhooks may target private/loopback addresses (tests, trusted LANs).
    webhooks_allow_private: bool = False
    # Ports outbound webhooks may target besides 80 and 443 (HUB_WEBHOOKS_ALLOWED_PORTS).
    webhooks_allowed_ports: frozenset[int] = frozenset({80, 443})
    # A widget visitor token unused this long stops working (sliding; rotated on use).
    visitor_token_days: int = 90
    # SMS-pumping limits on verification codes and handoff texts (hub.rules.sms_limits).
    sms_countries: tuple[str, ...] = ()  # HUB_SMS_COUNTRIES; empty = the default region's
    sms_per_number_hour: int = 3
    sms_per_client_hour: int = 10
    sms_hourly_budget: int = 100
    # Stored terminal acks and outbound-webhook delivery logs older than this are pruned.
    delivery_log_retention_days: int = 30
    # Send a one-question CSAT survey when a thread is resolved.
    csat_surveys: bool = False
    # A queued caller is sent to voicemail after waiting this long (HUB_QUEUE_MAX_WAIT_SECONDS).
    queue_max_wait_seconds: int = 300
    # Tell a customer on their last channel when the shop marks their order ready for
    # pickup (HUB_PICKUP_NOTIFICATIONS=0 turns it off).
    pickup_notifications: bool = True
    # The raw environment, for channel settings that live with their connector
    # (``connectors/<name>/settings.py``); tests pass ``environ={...}``.
    environ: Mapping[str, str] = field(default_factory=dict, repr=False, hash=False)
    # A regular expression for the shop's order numbers (HUB_ORDER_NUMBER_PATTERN, e.g.
    # ``W-\d{5}``): matches in messages are recorded as order numbers even when the
    # order is not known yet; otherwise only known orders' numbers are.
    order_number_pattern: str | None = None
    # A caller or first text from a number someone else gave within this many hours is
    # a suggested match, and the IVR / auto-reply asks them to confirm
    # (HUB_CLAIM_MATCH_HOURS).
    claim_match_hours: int = 24

    def absolute_url(self, path: str) -> str:
        """``path`` on the hub's public URL (links that leave the console: a thread's
        link sent to a store, ...)."""
        return self.public_url.rstrip("/") + path

    @property
    def origins(self) -> tuple[str, ...]:
        """Origins allowed to open the widget socket (defaults to the public URL)."""
        return self.allowed_origins or (self.public_url.rstrip("/"),)

    @property
    def sms_allowed_countries(self) -> tuple[str, ...]:
        """Region codes verification codes and handoff texts may be sent to."""
        return self.sms_countries or (self.default_region,)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from ``HUB_*`` / ``TWILIO_*`` variables."""
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("HUB_VAR_DIR", "./var"))
        secret = env.get("HUB_SECRET_KEY") or _load_or_create_secret(var_dir)
        retention = env.get("HUB_RECORDING_RETENTION_DAYS")
        return cls(
            database_url=env.get("HUB_DATABASE_URL", DEFAULT_DATABASE_URL),
            redis_url=env.get("HUB_REDIS_URL") or None,
            redis_channel=env.get("HUB_REDIS_CHANNEL") or "omnihub",
            secret_key=secret,
            public_url=env.get("HUB_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/"),
            default_region=env.get("HUB_DEFAULT_REGION", "US").upper(),
            widget_secret=env.get("HUB_WIDGET_SECRET") or None,
            allowed_origins=_csv(env.get("HUB_ALLOWED_ORIGINS")),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            twilio_api_base=env.get("TWILIO_API_BASE", "https://api.twilio.com").rstrip("/"),
            twilio_sms_number=env.get("TWILIO_SMS_NUMBER") or None,
            twilio_voice_number=env.get("TWILIO_VOICE_NUMBER") or None,
            twilio_api_key_sid=env.get("TWILIO_API_KEY_SID") or None,
            twilio_api_key_secret=env.get("TWILIO_API_KEY_SECRET") or None,
            twilio_twiml_app_sid=env.get("TWILIO_TWIML_APP_SID") or None,
            var_dir=var_dir,
            max_body_bytes=int(env.get("HUB_MAX_BODY_BYTES", "1000000")),
            outbox_lease_seconds=float(env.get("HUB_OUTBOX_LEASE_SECONDS", "60")),
            session_cookie_secure=env.get("HUB_PUBLIC_URL", "").startswith("https://"),
            recording_retention_days=int(retention) if retention else None,
            log_level=env.get("HUB_LOG_LEVEL", "INFO").upper(),
            log_format=env.get("HUB_LOG_FORMAT", "text").strip().lower(),
            webhooks_allow_private=env.get("HUB_WEBHOOKS_ALLOW_PRIVATE", "") in ("1", "true"),
            webhooks_allowed_ports=frozenset(
                {80, 443, *(int(p) for p in _csv(env.get("HUB_WEBHOOKS_ALLOWED_PORTS")))}
            ),
            visitor_token_days=int(env.get("HUB_VISITOR_TOKEN_DAYS", "90")),
            sms_countries=tuple(c.upper() for c in _csv(env.get("HUB_SMS_COUNTRIES"))),
            sms_per_number_hour=int(env.get("HUB_SMS_PER_NUMBER_HOUR", "3")),
            sms_per_client_hour=int(env.get("HUB_SMS_PER_CLIENT_HOUR", "10")),
            sms_hourly_budget=int(env.get("HUB_SMS_HOURLY_BUDGET", "100")),
            delivery_log_retention_days=int(env.get("HUB_DELIVERY_LOG_RETENTION_DAYS", "30")),
            csat_surveys=env.get("HUB_CSAT_SURVEYS", "") in ("1", "true"),
            queue_max_wait_seconds=int(env.get("HUB_QUEUE_MAX_WAIT_SECONDS", "300")),
            pickup_notifications=env.get("HUB_PICKUP_NOTIFICATIONS", "1") not in ("0", "false"),
            environ=env,
            order_number_pattern=_regex(env, "HUB_ORDER_NUMBER_PATTERN"),
            claim_match_hours=int(env.get("HUB_CLAIM_MATCH_HOURS", "24")),
        )
