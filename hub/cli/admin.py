"""``hub create-agent``, ``hub create-api-token``, ``hub create-terminal``."""

from __future__ import annotations

import argparse
import getpass
import sys

from hub.actions.staff import create_agent, create_api_token, create_terminal
from hub.cli.common import run_with_hub
from hub.core import Hub


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    agent = subparsers.add_parser("create-agent", help="add a console user")
    agent.add_argument("email")
    agent.add_argument("--name", required=True)
    agent.add_argument("--role", choices=("admin", "agent"), default="agent")
    agent.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    agent.set_defaults(func=cmd_create_agent)

    token = subparsers.add_parser("create-api-token", help="print a new REST API token")
    token.add_argument("name")
    token.set_defaults(func=cmd_create_api_token)

    terminal = subparsers.add_parser("create-terminal", help="register an in-store terminal")
    terminal.add_argument("--store", required=True, metavar="CODE")
    terminal.add_argument("--role", choices=("associate", "pos", "kiosk"), default="associate")
    terminal.add_argument("name")
    terminal.set_defaults(func=cmd_create_terminal)


def cmd_create_agent(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")

    async def go(hub: Hub) -> int:
        async with hub.uow() as uow:
            agent = await create_agent(uow, args.email, args.name, password, role=args.role)
        print(f"agent {agent.id} created: {agent.email} ({agent.role})")
        return 0

    return run_with_hub(go)


def cmd_create_api_token(args: argparse.Namespace) -> int:
    async def go(hub: Hub) -> str:
        async with hub.uow() as uow:
            _, key = await create_api_token(uow, args.name)
        return key

    print(run_with_hub(go))
    return 0


def cmd_create_terminal(args: argparse.Namespace) -> int:
    async def go(hub: Hub) -> tuple[int, str]:
        async with hub.uow() as uow:
            terminal, key = await create_terminal(uow, args.store, args.name, role=args.role)
        return terminal.id, key

    terminal_id, key = run_with_hub(go)
    print(f"terminal {terminal_id} registered in store {args.store.upper()}; its key (shown once):")
    print(key)
    return 0
