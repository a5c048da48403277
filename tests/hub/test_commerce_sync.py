"""``hub commerce sync``: --since parsing, and a clear refusal without a shop."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.cli.commerce import parse_since, sync_with_connectors
from hub.core import Hub
from hub.errors import Invalid
from hub.settings import Settings

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", datetime(2026, 10, 30, 12, 0, tzinfo=UTC)),
        ("12h", datetime(2026, 11, 29, 0, 0, tzinfo=UTC)),
        ("45m", datetime(2026, 11, 29, 11, 15, tzinfo=UTC)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T08:30:00+01:00", datetime(2026, 11, 1, 7, 30, tzinfo=UTC)),
    ],
)
def test_since(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


def test_since_refuses_nonsense() -> None:
    with pytest.raises(Invalid, match="30d"):
        parse_since("last tuesday", now=NOW)


async def test_sync_without_a_shop_says_so(settings: Settings) -> None:
    hub = Hub(settings)
    try:
        with pytest.raises(Invalid, match="no shop is configured"):
            await sync_with_connectors(hub, "30d")
    finally:
        await hub.dispose()
