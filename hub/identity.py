"""Normalising the addresses that identify a customer (phone, email, ids)."""

from __future__ import annotations

import re

import phonenumbers

from hub.models.customer import EMAIL, IDENTITY_KINDS, LOYALTY, PHONE

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID_RE = re.compile(r"^[A-Za-z0-9_.:@+\-]{1,200}$")


class InvalidAddress(ValueError):
    """The address cannot be normalised for its kind; the message says why."""


def normalize_phone(raw: str, region: str = "US") -> str:
    """Return ``raw`` in E.164, parsing numbers without a country code in ``region``."""
    text = (raw or "").strip()
    if not text:
        raise InvalidAddress("phone number is empty")
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidAddress(f"not a phone number: {text[:40]!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidAddress(f"not a possible phone number: {text[:40]!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    text = (raw or "").strip().lower()
    if len(text) > 320 or not _EMAIL_RE.match(text):
        raise InvalidAddress(f"not an email address: {raw[:60]!r}")
    return text


def normalize(kind: str, raw: str, region: str = "US") -> str:
    """Normalise ``raw`` for identity ``kind``: E.164 phones, lower-cased emails, trimmed ids."""
    if kind == PHONE:
        return normalize_phone(raw, region)
    if kind == EMAIL:
        return normalize_email(raw)
    if kind not in IDENTITY_KINDS:
        raise InvalidAddress(f"unknown identity kind {kind!r}")
    text = (raw or "").strip()
    if kind == LOYALTY:
        text = text.upper()
    if not _ID_RE.match(text):
        raise InvalidAddress(f"invalid {kind} id")
    return text
