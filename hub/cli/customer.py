"""``hub customer export ID``, ``hub customer erase ID [--yes]``, ``hub purge-recordings``."""

from __future__ import annotations

import argparse
import json
import sys

from hub.actions.privacy import Erasure, erase_customer, export_customer
from hub.actions.retention import purge_recordings
from hub.cli.common import fail, run_with_hub
from hub.core import Hub

CLI_ACTOR = "cli"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    customer = subparsers.add_parser("customer", help="export or erase a customer's data")
    commands = customer.add_subparsers(dest="customer_command", required=True, metavar="ACTION")

    export = commands.add_parser("export", help="print everything held on a customer as JSON")
    export.add_argument("customer_id", type=int, metavar="ID")
    export.set_defaults(func=cmd_export)

    erase = commands.add_parser(
        "erase", help="remove a customer's personal data (keeps anonymised counts)"
    )
    erase.add_argument("customer_id", type=int, metavar="ID")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    erase.set_defaults(func=cmd_erase)

    purge = subparsers.add_parser(
        "purge-recordings", help="remove call recordings and transcripts past retention"
    )
    purge.add_argument(
        "--days",
        type=int,
        default=None,
        help="age in days (default: HUB_RECORDING_RETENTION_DAYS)",
    )
    purge.set_defaults(func=cmd_purge_recordings)


def cmd_export(args: argparse.Namespace) -> int:
    async def go(hub: Hub) -> str:
        async with hub.read() as session:
            data = await export_customer(session, args.customer_id)
        return json.dumps(data, indent=2, ensure_ascii=False)

    print(run_with_hub(go))
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    if not args.yes:
        print(
            f"Erase the personal data of customer {args.customer_id}? This cannot be undone. "
            "Type 'erase' to confirm: ",
            end="",
            flush=True,
        )
        if sys.stdin.readline().strip() != "erase":
            return fail("not erased")

    async def go(hub: Hub) -> Erasure:
        async with hub.uow() as uow:
            return await erase_customer(uow, args.customer_id, actor=CLI_ACTOR)

    erasure = run_with_hub(go)
    if not erasure.changed:
        print(f"customer {erasure.customer_id} was already erased; nothing changed")
        return 0
    print(
        f"customer {erasure.customer_id} erased: {erasure.identities} identities and "
        f"{erasure.details} details removed, {erasure.events} events and "
        f"{erasure.orders} orders scrubbed"
    )
    return 0


def cmd_purge_recordings(args: argparse.Namespace) -> int:
    async def go(hub: Hub) -> int | None:
        days = args.days if args.days is not None else hub.settings.recording_retention_days
        if days is None:
            return None
        async with hub.uow() as uow:
            return await purge_recordings(uow, days, actor=CLI_ACTOR)

    if args.days is not None and args.days < 0:
        return fail("--days must be 0 or more")
    count = run_with_hub(go)
    if count is None:
        return fail("no retention period: pass --days or set HUB_RECORDING_RETENTION_DAYS")
    print(f"purged recordings and transcripts of {count} calls")
    return 0
