"""Details customers give in what they write: phone numbers, emails, order numbers.

Pure text work (no database): ``find_mentions`` returns each phone number
(``phonenumbers.PhoneNumberMatcher`` in the default region, so "(415) 556-4601" in the
US and "030 1234567" in Germany), email address and order-number candidate of a message
with its span, normalised like identities are. What the hub does with them (asserted
details with their source event, suggested matches) is ``hub.actions.mentions``.

Order numbers are only candidates here: a token shaped like an order id ("W-77123",
"#1001") counts when it is the number of a known order (checked by the caller) or
when it matches the shop's pattern (``HUB_ORDER_NUMBER_PATTERN``). Prices, dates,
times and SKUs are not mentions: the phone matcher refuses dates and amounts, and a
number right after "sku", "item", "ref" or "order" is not read as a phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from hub.models.customer import EMAIL, PHONE

ORDER_NUMBER = "order_number"
_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"
)
# An order-id-shaped token: optional "#", up to 4 letters and a dash, then 3+ digits.
_ORDER_TOKEN_RE = re.compile(
    r"(?<![\w/.,:-])#?(?:[A-Za-z]{1,4}-?)?\d{3,12}(?![\w.,/:-]?\d)(?![\w-])"
)
# A number right after these words is a product or reference code, not a phone.
_NOT_A_PHONE_BEFORE = re.compile(r"(?:sku|item|art|ref|order|no|nr|#)[\s.:#-]*$", re.IGNORECASE)
# A cheap test before the matchers: no run of 3 digits and no "@" means no mention.
_MAYBE = re.compile(r"@|\d{3}|\d[\s().-]\d")
MAX_MENTIONS = 20
MIN_PHONE_DIGITS = 6  # fewer digits in the whole text: no phone number to look for


@dataclass(frozen=True)
class Mention:
    """One detail found in a text: ``key`` (phone, email, order_number), ``value``
    normalised (E.164, lower-cased email, the order number as written without "#")
    and where it is (``text[start:end]``)."""

    key: str
    value: str
    start: int
    end: int
    # For an order number: False until it is found to be a known order's number
    # (a token that only looks like one); True when the shop's pattern matched it.
    certain: bool = True


def might_mention(text: str | None) -> bool:
    """False when ``text`` certainly holds no phone, email or order number (fast)."""
    return bool(text) and _MAYBE.search(text or "") is not None


def find_mentions(text: str | None, region: str, order_pattern: str | None = None) -> list[Mention]:
    """The phones, emails and order-number candidates in ``text``, in reading order,
    each value once. Phones are parsed in ``region`` when they carry no country code;
    order candidates that overlap a phone or email are dropped."""
    if not text or not might_mention(text):
        return []
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for match in _EMAIL_RE.finditer(text):
        found.append(Mention(EMAIL, match.group(0).lower(), match.start(), match.end()))
        taken.append(match.span())
    # The matcher is the costly part (about 0.5 ms a message): only with enough digits.
    enough = sum(ch.isdigit() for ch in text) >= MIN_PHONE_DIGITS
    for phone in phonenumbers.PhoneNumberMatcher(text, region.upper()) if enough else ():
        start, end = int(phone.start), int(phone.end)
        if _overlaps((start, end), taken) or _NOT_A_PHONE_BEFORE.search(text[:start]):
            continue
        e164 = phonenumbers.format_number(phone.number, phonenumbers.PhoneNumberFormat.E164)
        found.append(Mention(PHONE, e164, start, end))
        taken.append((start, end))
    shop = _order_pattern(order_pattern) if order_pattern else None
    patterns = [(shop, True)] if shop is not None else []
    for pattern, certain in [*patterns, (_ORDER_TOKEN_RE, False)]:
        for match in pattern.finditer(text):
            span = match.span()
            if span[0] == span[1] or _overlaps(span, taken):
                continue
            value = match.group(0).lstrip("#")
            found.append(Mention(ORDER_NUMBER, value, *span, certain=certain))
            taken.append(span)
    found.sort(key=lambda m: m.start)
    unique: dict[tuple[str, str], Mention] = {}
    for mention in found:
        unique.setdefault((mention.key, mention.value), mention)
    return list(unique.values())[:MAX_MENTIONS]


@lru_cache(maxsize=8)
def _order_pattern(pattern: str) -> re.Pattern[str] | None:
    """The shop's pattern as a whole-token regex; None when it does not compile (the
    settings refuse such a pattern at start; this keeps a message from ever failing)."""
    try:
        return re.compile(rf"(?<![\w-])#?(?:{pattern})(?![\w-])")
    except re.error:
        return None


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)
