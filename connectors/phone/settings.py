"""Phone settings that live with the connector, read from the hub's environment.

``HUB_PHONE_STORE_NUMBERS`` (unset by default): the stores a call can be transferred
to, as ``CODE=+E164`` pairs separated by commas (``DT=+15553001000,UP=+15553002000``),
with the stores' codes.

``HUB_CALL_RECORDING`` (``off`` by default): record answered calls, dual-channel (the
caller on one channel, the agent side on the other): ``announce`` tells the caller
first, ``on`` records without telling (only where the law allows it).

``HUB_CALL_TRANSCRIBER`` (unset): ``package.module:factory`` of a call-transcript
provider (``connectors.phone.transcripts.CallTranscriber``); called with the hub's
settings once at start.

Credentials, numbers and the REST base are the Twilio ones (``TWILIO_*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.identity import InvalidAddress, normalize_phone
from hub.settings import Settings

RECORDING_MODES = ("off", "announce", "on")


@dataclass(frozen=True)
class PhoneSettings:
    # Store code -> the store's phone number (E.164).
    store_numbers: Mapping[str, str] = field(default_factory=dict)
    recording: str = "off"
    transcriber: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> PhoneSettings:
        """Parse the variables; a pair without ``=`` or with an invalid number is
        ignored, an unknown recording mode is ``off`` (``problems`` says which)."""
        recording = settings.environ.get("HUB_CALL_RECORDING", "off").strip().lower() or "off"
        return cls(
            store_numbers=dict(_pairs(settings)[0]),
            recording=recording if recording in RECORDING_MODES else "off",
            transcriber=settings.environ.get("HUB_CALL_TRANSCRIBER", "").strip() or None,
        )

    @staticmethod
    def problems(settings: Settings) -> list[tuple[str, str]]:
        """``(variable, sentence)`` per malformed pair of ``HUB_PHONE_STORE_NUMBERS`` or
        an unknown ``HUB_CALL_RECORDING``."""
        problems = [("HUB_PHONE_STORE_NUMBERS", p) for p in _pairs(settings)[1]]
        recording = settings.environ.get("HUB_CALL_RECORDING", "off").strip().lower() or "off"
        if recording not in RECORDING_MODES:
            problems.append(
                ("HUB_CALL_RECORDING", f"{recording!r} is not off, announce or on: not recording")
            )
        return problems


def _pairs(settings: Settings) -> tuple[list[tuple[str, str]], list[str]]:
    raw = settings.environ.get("HUB_PHONE_STORE_NUMBERS", "")
    pairs: list[tuple[str, str]] = []
    problems: list[str] = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        code, sep, number = item.partition("=")
        try:
            if not sep or not code.strip():
                raise InvalidAddress(item)
            pairs.append((code.strip(), normalize_phone(number.strip(), settings.default_region)))
        except InvalidAddress:
            problems.append(f"HUB_PHONE_STORE_NUMBERS: {item!r} is not CODE=+E164")
    return pairs, problems
