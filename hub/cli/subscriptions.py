"""``hub webhook-add``, ``hub webhook-list``, ``hub webhook-remove``: outbound webhooks
from the terminal (the console has the same). See docs/webhooks.md."""

from __future__ import annotations

import argparse

from hub.actions.subscriptions import create_webhook, delete_webhook
from hub.cli.common import run_with_hub
from hub.core import Hub
from hub.models.subscriptions import WEBHOOK_EVENTS
from hub.queries.subscriptions import list_endpoints


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = subparsers.add_parser("webhook-add", help="register an outbound webhook URL")
    add.add_argument("url")
    add.add_argument(
        "--events",
        default=",".join(WEBHOOK_EVENTS),
        help=f"comma-separated, among {', '.join(WEBHOOK_EVENTS)} (default: all)",
    )
    add.add_argument("--description", default=None)
    add.set_defaults(func=cmd_add)
    listing = subparsers.add_parser("webhook-list", help="list outbound webhook endpoints")
    listing.set_defaults(func=cmd_list)
    remove = subparsers.add_parser("webhook-remove", help="delete an outbound webhook endpoint")
    remove.add_argument("id", type=int)
    remove.set_defaults(func=cmd_remove)


def cmd_add(args: argparse.Namespace) -> int:
    events = [e.strip() for e in args.events.split(",") if e.strip()]

    async def run(hub: Hub) -> tuple[int, str]:
        async with hub.uow() as uow:
            endpoint, secret = await create_webhook(
                uow, args.url, events, description=args.description, actor="cli"
            )
            return endpoint.id, secret

    endpoint_id, secret = run_with_hub(run)
    print(f"webhook {endpoint_id} added; its signing secret (shown only now):")
    print(secret)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    async def run(hub: Hub) -> list[str]:
        async with hub.read() as session:
            return [
                f"{e.id}\t{'active' if e.active else 'inactive'}\t{e.url}\t{','.join(e.events)}"
                for e in await list_endpoints(session)
            ]

    for line in run_with_hub(run):
        print(line)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    async def run(hub: Hub) -> None:
        async with hub.uow() as uow:
            await delete_webhook(uow, args.id, actor="cli")

    run_with_hub(run)
    return 0
