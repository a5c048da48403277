"""Finding phones, emails and order numbers in what customers write (``hub.rules.mentions``)."""

from __future__ import annotations

import pytest

from hub.rules.mentions import Mention, find_mentions, might_mention
from hub.settings import Settings


def found(text: str, region: str = "US", pattern: str | None = None) -> list[tuple[str, str]]:
    """What is recorded without a database: order-number candidates only count once
    matched against known orders (``tests/hub/actions/test_identity_proof.py``)."""
    return [(m.key, m.value) for m in find_mentions(text, region, pattern) if m.certain]


@pytest.mark.parametrize(
    ("text", "region", "phone"),
    [
        ("call me on (415) 556-4601 if easier", "US", "+14155564601"),
        ("my cell is 415.556.4601", "US", "+14155564601"),
        ("ring me: 415-556-4601.", "US", "+14155564601"),
        ("from abroad +44 20 7946 0958 thanks", "US", "+442079460958"),
        ("ring me on 020 7946 0958 please", "GB", "+442079460958"),
        ("mobile 07911 123456", "GB", "+447911123456"),
        ("erreichbar unter 030 1234567", "DE", "+49301234567"),
        ("appelez le 06 12 34 56 78", "FR", "+33612345678"),
        ("numero 0412 345 678", "AU", "+61412345678"),
    ],
)
def test_phone_numbers_of_several_regions(text: str, region: str, phone: str) -> None:
    assert found(text, region) == [("phone", phone)]


def test_emails_are_lower_cased_and_not_read_as_phones() -> None:
    text = "write to Jo.Doe+shop@Example.co.uk or jo@example.com, not to @handles"
    assert found(text) == [("email", "jo.doe+shop@example.co.uk"), ("email", "jo@example.com")]


def test_the_issue_story_finds_the_order_candidate_and_the_phone() -> None:
    text = "my lamp from order W-77123 arrived cracked, call me on (415) 556-4601 if easier"
    mentions = find_mentions(text, "US")
    assert [(m.key, m.value, m.certain) for m in mentions] == [
        ("order_number", "W-77123", False),  # counts only if it is a known order
        ("phone", "+14155564601", True),
    ]
    phone = mentions[1]
    assert text[phone.start : phone.end] == "(415) 556-4601"


def test_the_shop_pattern_makes_order_numbers_certain() -> None:
    mentions = find_mentions("about #W-77123 and W-12", "US", r"W-\d{5}")
    assert mentions == [Mention("order_number", "W-77123", 6, 14, certain=True)]


@pytest.mark.parametrize(
    "text",
    [
        "it was $1,299.00, then 19.99 EUR",
        "delivered on 2024-05-12 at 10:30",
        "ordered 12/05/2024, arrives 05.06.2024",
        "Preis 1.299,00 €",
        "it costs 415 dollars",
    ],
)
def test_no_phone_or_order_in_prices_dates_and_times(text: str) -> None:
    assert found(text) == []


def test_no_phone_in_a_sku_or_reference() -> None:
    assert ("phone", "+14155564601") not in found("SKU 4155564601 is out of stock")
    assert ("phone", "+14155564601") not in found("ref: 4155564601")


def test_nothing_to_find() -> None:
    assert not might_mention("hello there, my lamp is broken")
    assert find_mentions("hello there, my lamp is broken", "US") == []
    assert find_mentions(None, "US") == []


def test_each_value_once() -> None:
    assert found("415 556 4601, I repeat (415) 556-4601") == [("phone", "+14155564601")]


def test_a_broken_shop_pattern_is_refused_at_start_and_never_breaks_a_message() -> None:
    with pytest.raises(ValueError, match="HUB_ORDER_NUMBER_PATTERN"):
        Settings.from_env({"HUB_SECRET_KEY": "x", "HUB_ORDER_NUMBER_PATTERN": "W-(\\d"})
    assert found("call (415) 556-4601", pattern="W-(\\d") == [("phone", "+14155564601")]
