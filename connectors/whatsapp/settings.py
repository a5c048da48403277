"""WhatsApp settings, read from the environment the hub was started with.

| variable | default | meaning |
| --- | --- | --- |
| ``TWILIO_WHATSAPP_NUMBER`` | unset | the hub's WhatsApp sender, E.164 (``whatsapp:`` optional) |
| ``TWILIO_CONTENT_CACHE_SECONDS`` | ``600`` | how long the approved-template list is cached |

Credentials and the REST base are the Twilio ones (``TWILIO_ACCOUNT_SID``,
``TWILIO_AUTH_TOKEN``, ``TWILIO_API_BASE``), shared with SMS and voice.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.settings import Settings

PREFIX = "whatsapp:"
DEFAULT_CACHE_SECONDS = 600.0


@dataclass(frozen=True)
class WhatsappSettings:
    number: str | None = None
    content_cache_seconds: float = DEFAULT_CACHE_SECONDS

    @property
    def sender(self) -> str | None:
        """The ``From`` of outbound messages: ``whatsapp:+E164``."""
        return PREFIX + self.number if self.number else None

    @classmethod
    def from_settings(cls, settings: Settings) -> WhatsappSettings:
        env = settings.environ
        number = (env.get("TWILIO_WHATSAPP_NUMBER") or "").strip()
        if number.lower().startswith(PREFIX):
            number = number[len(PREFIX) :]
        cache = _seconds(env.get("TWILIO_CONTENT_CACHE_SECONDS"))
        return cls(
            number=number or None,
            content_cache_seconds=DEFAULT_CACHE_SECONDS if cache is None else cache,
        )

    @staticmethod
    def problems(settings: Settings) -> list[str]:
        """What is wrong with ``TWILIO_CONTENT_CACHE_SECONDS`` (the default is used)."""
        raw = settings.environ.get("TWILIO_CONTENT_CACHE_SECONDS")
        if raw and _seconds(raw) is None:
            return [
                f"{raw!r} is not a number of seconds (0 or more); the default "
                f"{DEFAULT_CACHE_SECONDS:.0f} is used."
            ]
        return []


def _seconds(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw else None
    except ValueError:
        return None
    return value if value is not None and value >= 0 else None
