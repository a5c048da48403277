"""Structured logs with request ids, and a redaction filter so secrets are never logged.

- ``request_id_var`` holds the id of the HTTP request being served (set by
  ``hub.web.middleware.SecurityHeadersMiddleware``); every record emitted while it is
  set carries ``record.request_id`` (tasks started during the request inherit it).
- ``RedactSecrets`` masks, in the message, its arguments and any traceback: API
  tokens and terminal keys (``hub_<prefix>_…``/``term_<prefix>_…`` keep their prefix),
  ``Bearer …`` credentials, values of ``password``/``secret``/``token``/``signature``/
  ``authorization``/``user_hash``-like keys (``key=value``, ``key: value``, JSON and
  header tuples), passwords in database URLs, and the literal values of the configured
  secrets (``HUB_SECRET_KEY``, ``TWILIO_AUTH_TOKEN``, ``HUB_WIDGET_SECRET``, …), and
  personal data that has a shape: email addresses and E.164 phone numbers (also
  URL-encoded, ``%2B1555…``).
- Personal data without a shape (message bodies, names) is kept out by never logging
  it: the hub's own log calls carry ids, and the libraries that dump payloads at DEBUG
  (Twilio's HTTP client, aiosqlite's statements, WebSocket frames, httpx/httpcore,
  form parsers, the SMTP server) are held at ``QUIET_LOGGERS``' levels whatever
  ``HUB_LOG_LEVEL`` says. SQLAlchemy never logs bound parameters (the engines are
  built with ``hide_parameters=True``).
- uvicorn's own loggers (``uvicorn``, ``uvicorn.error``, ``uvicorn.access``) are sent
  through the same handler, and ``uvicorn.access`` lines lose their query strings (a
  ``?phone=…`` look-up); ``hub serve`` turns uvicorn's access log off anyway, since the
  hub writes its own access line (``hub.http``: method, path, status, time).
- ``JsonFormatter`` writes one JSON object per line: ``time``, ``level``, ``logger``,
  ``message``, ``request_id`` when known, ``exc`` for tracebacks, plus any ``extra``
  fields. ``TextFormatter`` is the human form of the same line.

``configure_logging(settings)`` installs all of this on the root logger
(``HUB_LOG_FORMAT=json|text``), uvicorn's loggers included.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from hub.settings import Settings

MASK = "***"
request_id_var: ContextVar[str | None] = ContextVar("hub_request_id", default=None)

_SENSITIVE_WORDS = (
    r"(?:password|passwd|secret|token|signature|authorization|api_key|user_hash|cookie)"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # API tokens and terminal keys: keep the non-secret prefix that identifies the row.
    (re.compile(r"\b(hub|term)_([0-9a-f]{12})_[A-Za-z0-9_\-]+"), rf"\1_\2_{MASK}"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+"), rf"\1 {MASK}"),
    # ('x-twilio-signature', 'abc=') and (b'authorization', b'Bearer x') header tuples.
    (
        re.compile(rf"""(?i)(b?['"][\w-]*{_SENSITIVE_WORDS}[\w-]*['"]\s*,\s*b?['"])[^'"]*"""),
        rf"\1{MASK}",
    ),
    # password=x, "auth_token": "x", X-Twilio-Signature: x, HUB_SECRET_KEY=x
    (
        re.compile(
            rf"""(?i)([\w-]*{_SENSITIVE_WORDS}[\w-]*['"]?\s*[:=]\s*b?['"]?)"""
            r"""(?!\*\*\*)[^\s'",;&}\]]+"""
        ),
        rf"\1{MASK}",
    ),
    # scheme://user:password@host
    (re.compile(r"(\w+://[^/\s:@]*:)[^@\s/]+@"), rf"\1{MASK}@"),
    # Email addresses and E.164 phone numbers (personal data), also URL-encoded.
    (re.compile(r"[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"), MASK),
    (re.compile(r"(?:\+|%2B|%2b)\d{7,15}\b"), MASK),
)
# Anything any of ``_PATTERNS`` could match contains one of these (a superset, checked
# with one search): most records (access lines, routine events) carry none, and skip
# the substitutions.
_MAYBE_SECRET = re.compile(
    rf"(?i)\b(?:hub|term)_[0-9a-f]{{12}}_|\b(?:bearer|basic)\s|{_SENSITIVE_WORDS}|\w://"
    r"|@|%40|\+\d|%2B\d"
)
# Libraries that log payloads (message bodies, phone numbers, SQL parameters, frames)
# below these levels; they never log below them, whatever HUB_LOG_LEVEL says.
QUIET_LOGGERS: dict[str, int] = {
    "twilio.http_client": logging.WARNING,
    "aiosqlite": logging.INFO,
    "websockets": logging.INFO,
    "httpcore": logging.INFO,
    "httpx": logging.WARNING,
    "hpack": logging.INFO,
    "multipart": logging.INFO,
    "python_multipart": logging.INFO,
    "mail.log": logging.INFO,
    "aiosmtplib": logging.INFO,
    "asyncio": logging.INFO,
}
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
_MIN_SECRET_CHARS = 6


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with known secret values and secret-looking patterns masked."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, MASK)
    if _MAYBE_SECRET.search(text) is None:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def settings_secrets(settings: Settings) -> tuple[str, ...]:
    """The configured secret values, longest first (so a secret containing another is
    masked whole)."""
    values = (
        settings.secret_key,
        settings.twilio_auth_token,
        settings.widget_secret,
        settings.twilio_api_key_secret,
    )
    found = {v for v in values if v and len(v) >= _MIN_SECRET_CHARS}
    return tuple(sorted(found, key=len, reverse=True))


class RedactSecrets(logging.Filter):
    """Rewrites each record so its message (with arguments) and traceback are redacted."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log it as given rather than lose it
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


class StripAccessQuery(logging.Filter):
    """Drops query strings from uvicorn's lines that carry a request path: the access
    log (``"GET /x?phone=… HTTP/1.1"``) and the WebSocket handshake lines of
    ``uvicorn.error`` (``"WebSocket /x?…" [accepted]``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("uvicorn") and isinstance(record.args, tuple):
            record.args = tuple(
                arg.split("?", 1)[0] if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in record.args
            )
        return True


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` from ``request_id_var`` unless the caller passed one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


# Attributes every LogRecord has; anything else came from ``extra=``.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see the module docstring for the fields)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage(), self.secrets),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = redact(record.exc_text, self.secrets)
        # Again on the whole line, for secrets inside structured ``extra`` values.
        return redact(json.dumps(line, default=str, ensure_ascii=False), self.secrets)


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message``, redacted."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        self.secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        missing = getattr(record, "request_id", None) is None
        if missing:
            record.request_id = "-"
        try:
            return redact(super().format(record), self.secrets)
        finally:
            if missing:
                record.request_id = None


def log_handler(settings: Settings | None = None) -> logging.Handler:
    """A stderr handler with the redaction and request-id filters, writing JSON lines
    when ``settings.log_format == "json"``, else text (settings default to the
    environment's: ``hub serve``'s logging configuration builds it this way)."""
    settings = settings or Settings.from_env()
    secrets = settings_secrets(settings)
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.addFilter(StripAccessQuery())
    handler.addFilter(RedactSecrets(secrets))
    formatter: logging.Formatter = (
        JsonFormatter(secrets) if settings.log_format == "json" else TextFormatter(secrets)
    )
    handler.setFormatter(formatter)
    return handler


def configure_logging(settings: Settings, *, level: str | None = None) -> logging.Handler:
    """Send every log record to stderr through ``log_handler(settings)``. Replaces the
    root logger's handlers; returns the installed handler."""
    handler = log_handler(settings)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root_level = getattr(logging, (level or settings.log_level).upper(), logging.INFO)
    root.setLevel(root_level)
    for name in UVICORN_LOGGERS:  # through this handler, not uvicorn's own
        uvicorn_logger = logging.getLogger(name)
        for old in list(uvicorn_logger.handlers):
            uvicorn_logger.removeHandler(old)
        uvicorn_logger.propagate = True
        uvicorn_logger.setLevel(logging.NOTSET)  # the root's level decides
    for name, floor in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, root_level))
    return handler
