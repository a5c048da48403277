"""``hub terminal``: turning typed commands into frames (the live session test is in
``tests/connectors/instore/test_terminal_cli.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli.terminal import Usage, describe, parse_command

ROOT = Path(__file__).resolve().parents[3]


def test_parse_command() -> None:
    assert parse_command("lookup phone +1 555 123 0000", None) == (
        "lookup",
        {"phone": "+1 555 123 0000"},
    )
    assert parse_command("lookup name Ada Lovelace", None) == ("lookup", {"name": "Ada Lovelace"})
    assert parse_command("checkin phone 5551230000 -- pickup", None) == (
        "checkin",
        {"phone": "5551230000", "reason": "pickup"},
    )
    assert parse_command("checkin", 7) == ("checkin", {"customer_id": 7})
    assert parse_command("note likes green", 7) == (
        "note",
        {"customer_id": 7, "body": "likes green"},
    )
    assert parse_command('purchase R-1 "Tea towel:2:800" Mug', 7) == (
        "purchase",
        {
            "customer_id": 7,
            "receipt_id": "R-1",
            "items": [
                {"name": "Tea towel", "quantity": 2, "unit_price_cents": 800},
                {"name": "Mug", "quantity": 1, "unit_price_cents": 0},
            ],
        },
    )
    for bad, current in [
        ("note hi", None),
        ("teleport", 1),
        ("lookup shoe 42", 1),
        ("", 1),
        ("purchase R-1 Mug:x", 1),
    ]:
        with pytest.raises(Usage):
            parse_command(bad, current)
    assert describe({"ok": False, "error": {"code": "forbidden", "message": "no"}}).startswith(
        "refused (forbidden)"
    )


def test_stock_and_pickups_commands() -> None:
    assert parse_command("stock RUN-TRL-85", None) == ("stock", {"sku": "RUN-TRL-85"})
    assert parse_command("pickups", None) == ("pickups", {})
    with pytest.raises(Usage):
        parse_command("stock", None)
    summary = "Cap: Downtown flagship 0, Online warehouse 8"
    assert describe({"ok": True, "levels": [], "summary": summary}) == summary
    pickups = {
        "ok": True,
        "store": "DT1",
        "pickups": [
            {
                "number": "#1001",
                "status": "ready",
                "customer_id": 4,
                "customer_name": "Pia",
                "items": [{"quantity": 1, "name": "Cap"}],
                "thread_url": "http://hub/customers/4",
            }
        ],
    }
    assert describe(pickups) == (
        "  #1001 ready: Pia — 1x Cap\n    use 4  ·  http://hub/customers/4"
    )
    assert describe({"ok": True, "store": "DT1", "pickups": []}) == "no pickups today"
