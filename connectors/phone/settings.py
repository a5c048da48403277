"""Phone settings that live with the connector, read from the hub's environment.

``HUB_PHONE_STORE_NUMBERS`` (unset by default): the stores a call can be transferred
to, as ``CODE=+E164`` pairs separated by commas (``DT=+15553001000,UP=+15553002000``),
with the stores' codes.

Credentials, numbers and the REST base are the Twilio ones (``TWILIO_*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.identity import InvalidAddress, normalize_phone
from hub.settings import Settings


@dataclass(frozen=True)
class PhoneSettings:
    # Store code -> the store's phone number (E.164).
    store_numbers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> PhoneSettings:
        """Parse the variables; a pair without ``=`` or with an invalid number is
        ignored (``problems`` says which)."""
        return cls(store_numbers=dict(_pairs(settings)[0]))

    @staticmethod
    def problems(settings: Settings) -> list[str]:
        """One sentence per malformed pair of ``HUB_PHONE_STORE_NUMBERS``."""
        return _pairs(settings)[1]


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
