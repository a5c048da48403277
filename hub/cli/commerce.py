"""``hub commerce sync --since 30d``: read the shop's recent orders into the hub."""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta

from connectors.registry import connector_classes
from hub.cli.common import run_with_hub
from hub.core import Hub
from hub.db import utcnow
from hub.errors import Invalid
from hub.policies.shop_sync import sync_since
from hub.port import HubPort

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


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commerce = subparsers.add_parser("commerce", help="the connected shop (docs/commerce.md)")
    commands = commerce.add_subparsers(dest="commerce_command", required=True, metavar="WHAT")
    sync = commands.add_parser("sync", help="read orders the shop updated recently")
    sync.add_argument("--since", default="30d", help="30d, 12h, 45m or an ISO date (default 30d)")
    sync.set_defaults(func=cmd_sync)


async def sync_with_connectors(hub: Hub, since: str) -> str:
    """Run the sync on ``hub`` with the registered connectors (one of them the shop's)."""
    port = HubPort(hub)
    connectors = [cls(port) for cls in connector_classes()]
    for connector in connectors:
        hub.add_connector(connector)
    try:
        counts = await sync_since(hub, parse_since(since))
    finally:
        for connector in connectors:
            await connector.shutdown()
    return ", ".join(f"{counts[k]} {k}" for k in ("created", "updated", "stale", "no_customer"))


def cmd_sync(args: argparse.Namespace) -> int:
    async def run(hub: Hub) -> str:
        return await sync_with_connectors(hub, args.since)

    summary = run_with_hub(run)
    print(f"shop orders since {args.since}: {summary}")
    return 0
