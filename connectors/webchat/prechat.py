"""Pre-chat and offline-form answers: which fields exist and how they are checked.

Answers become details on the customer. A phone or email typed here is only an
ASSERTED identity claim: ``add_identity`` attaches it when nobody holds it and
otherwise leaves it with its owner (agents see a suggested match), and the visitor
never sees history that did not come through its own widget identities.
"""

from __future__ import annotations

from typing import Any

from hub.identity import InvalidAddress, normalize
from hub.port import EMAIL, PHONE
from hub.types import IdentityClaim

# Field name → longest accepted answer.
FIELDS = {"name": 200, "email": 320, "phone": 40, "order_number": 64, "reason": 1000}


class InvalidAnswer(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def clean(answers: Any, region: str) -> dict[str, str]:
    """The known, non-empty answers of ``answers``, phones in E.164, emails lower-cased.

    Unknown keys are dropped; an over-long answer or an unreadable phone or email
    raises ``InvalidAnswer`` (the widget shows its message next to the form).
    """
    if not isinstance(answers, dict):
        return {}
    cleaned: dict[str, str] = {}
    for key, limit in FIELDS.items():
        value = answers.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        value = value.strip()
        if len(value) > limit:
            raise InvalidAnswer("invalid_" + key, f"{key} is longer than {limit} characters")
        if key in (PHONE, EMAIL):
            try:
                value = normalize(key, value, region)
            except InvalidAddress as exc:
                raise InvalidAnswer("invalid_" + key, str(exc)) from exc
        cleaned[key] = value
    return cleaned


def clean_quietly(answers: Any, region: str) -> dict[str, str]:
    """Like ``clean`` but dropping what does not check out (connect-time answers)."""
    if not isinstance(answers, dict):
        return {}
    kept: dict[str, str] = {}
    for key in FIELDS:
        try:
            kept.update(clean({key: answers.get(key)}, region))
        except InvalidAnswer:
            continue
    return kept


def claims(answers: dict[str, str]) -> tuple[IdentityClaim, ...]:
    """The asserted identities the answers carry (never verified: anyone can type them)."""
    return tuple(
        IdentityClaim(kind, answers[kind], verified=False)
        for kind in (PHONE, EMAIL)
        if kind in answers
    )
