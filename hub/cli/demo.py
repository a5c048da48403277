"""``hub demo``: load a believable retailer (filled in by hub.demo)."""

from __future__ import annotations

import argparse

from hub.cli.common import run_with_hub
from hub.core import Hub


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser("demo", help="load demo customers, histories and orders")
    demo.add_argument("--if-empty", action="store_true", help="do nothing if customers exist")
    demo.add_argument("--customers", type=int, default=300)
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from hub.demo import load_demo

    async def go(hub: Hub) -> None:
        await load_demo(hub, customers=args.customers, if_empty=args.if_empty)

    run_with_hub(go)
    return 0
