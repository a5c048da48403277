"""``sync_since``: bring every shop order updated since a time into the hub
(``hub commerce sync --since 30d``). Safe to run again: versions already stored are
skipped, and an older version never overwrites a newer one."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

from hub.actions.commerce import sync_shop_order
from hub.core import Hub
from hub.db import utcnow
from hub.errors import Invalid

_SPAN = re.compile(r"^(\d+)([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``30d``, ``12h``, ``45m`` (ago), or an ISO date/time (UTC when naive)."""
    text = text.strip()
    match = _SPAN.match(text)
    if match:
        return (now or utcnow()) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(f"--since must look like 30d, 12h or 2026-11-01, not {text!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=utcnow().tzinfo)


async def sync_since(hub: Hub, since: datetime) -> Counter[str]:
    """Store every order the shop updated since ``since``, one transaction each.
    Returns how many were created, updated, stale (older than stored) or had no
    customer contact (``no_customer``)."""
    commerce = hub.commerce
    if commerce is None:
        raise Invalid("no shop is configured (see docs/commerce.md)", code="no_shop")
    counts: Counter[str] = Counter()
    async for order in commerce.port.orders_since(since):
        async with hub.uow() as uow:
            _, result = await sync_shop_order(uow, order, channel=commerce.channel)
        counts[result] += 1
    return counts
