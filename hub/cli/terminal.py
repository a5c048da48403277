"""``hub terminal --key KEY --url URL``: a small interactive associate console.

Built on ``connectors.instore.client.TerminalClient``, so it has the same offline
queue: commands typed while the hub is unreachable are sent when it comes back.
A successful lookup or check-in makes that customer the current one; ``use ID``
picks another. Type ``help`` for the commands.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
from typing import Any

from hub.cli.common import fail

HELP = """commands (the current customer is set by lookup, checkin or `use`):
  lookup phone|email|loyalty|name VALUE   show the customer's card
  use CUSTOMER_ID                         make a customer current
  checkin [phone|email|loyalty VALUE] [-- REASON]
  note TEXT                               private note on the thread
  detail KEY VALUE                        remember a fact (name, email, address...)
  purchase RECEIPT "NAME:QTY:CENTS" ...   record a sale with its line items
  assist TEXT                             ask a remote agent for help
  message TEXT                            text the customer (SMS/webchat)
  stock SKU                               the shop's stock of a product per location
  pickups                                 this store's pickup list of the day
  queue                                   frames waiting for the hub
  quit"""

_LOOKUP_KEYS = {"phone": "phone", "email": "email", "loyalty": "loyalty_id", "name": "name"}


class Usage(ValueError):
    """A command line the console cannot turn into a frame; the message says why."""


def parse_command(line: str, current: int | None) -> tuple[str, dict[str, Any]]:
    """Turn one typed line into ``(frame type, fields)``. Raises ``Usage``."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise Usage(str(exc)) from exc
    if not words:
        raise Usage("type a command (help lists them)")
    command, args = words[0].lower(), words[1:]
    rest = " ".join(args)
    if command == "lookup":
        if len(args) < 2 or args[0] not in _LOOKUP_KEYS:
            raise Usage("lookup phone|email|loyalty|name VALUE")
        return "lookup", {_LOOKUP_KEYS[args[0]]: " ".join(args[1:])}
    if command == "checkin":
        fields: dict[str, Any] = {}
        if "--" in args:
            split = args.index("--")
            fields["reason"] = " ".join(args[split + 1 :])
            args = args[:split]
        if len(args) >= 2 and args[0] in ("phone", "email", "loyalty"):
            fields[_LOOKUP_KEYS[args[0]]] = " ".join(args[1:])
        elif args:
            raise Usage("checkin [phone|email|loyalty VALUE] [-- REASON]")
        else:
            fields["customer_id"] = _need(current)
        return "checkin", fields
    if command in ("note", "assist", "message"):
        if not rest:
            raise Usage(f"{command} TEXT")
        return command, {"customer_id": _need(current), "body": rest}
    if command == "detail":
        if len(args) < 2:
            raise Usage("detail KEY VALUE")
        return "detail", {
            "customer_id": _need(current),
            "key": args[0],
            "value": " ".join(args[1:]),
        }
    if command == "purchase":
        if len(args) < 2:
            raise Usage('purchase RECEIPT "NAME:QTY:CENTS" ...')
        return "purchase", {
            "customer_id": _need(current),
            "receipt_id": args[0],
            "items": [_item(spec) for spec in args[1:]],
        }
    if command == "stock":
        if len(args) != 1:
            raise Usage("stock SKU")
        return "stock", {"sku": args[0]}
    if command == "pickups":
        return "pickups", {}
    raise Usage(f"unknown command {command!r} (help lists them)")


def _need(current: int | None) -> int:
    if current is None:
        raise Usage("no current customer: lookup or `use ID` first")
    return current


def _item(spec: str) -> dict[str, Any]:
    name, _, rest = spec.partition(":")
    qty, _, cents = rest.partition(":")
    try:
        return {"name": name, "quantity": int(qty or 1), "unit_price_cents": int(cents or 0)}
    except ValueError as exc:
        raise Usage(f"an item is NAME:QTY:CENTS, not {spec!r}") from exc


def describe(ack: dict[str, Any]) -> str:
    """A few readable lines for an ack."""
    if not ack.get("ok"):
        error = ack.get("error", {})
        return f"refused ({error.get('code')}): {error.get('message')}"
    card = ack.get("customer")
    if "found" in ack:
        if not ack["found"]:
            names = ", ".join(f"#{m['id']} {m['name']}" for m in ack.get("matches", []))
            return f"several customers: {names}" if names else "no such customer"
        return _card(card or {})
    if "order" in ack:
        order = ack["order"]
        return f"order {order['number']} recorded ({order['total_cents'] / 100:.2f})"
    if "levels" in ack:
        return str(ack["summary"])
    if "pickups" in ack:
        return _pickups(ack["pickups"])
    if "assist_id" in ack:
        return f"help requested (#{ack['assist_id']}); the answer will show here"
    return "done " + ", ".join(f"{k}={v}" for k, v in ack.items() if k not in ("type", "id", "ok"))


def _pickups(pickups: list[dict[str, Any]]) -> str:
    if not pickups:
        return "no pickups today"
    lines = []
    for p in pickups:
        items = ", ".join(f"{i['quantity']}x {i['name']}" for i in p["items"])
        who = p.get("customer_name") or f"customer #{p.get('customer_id')}"
        lines.append(f"  {p['number']} {p['status'].replace('_', ' ')}: {who} — {items}")
        if p.get("customer_id"):
            lines.append(f"    use {p['customer_id']}  ·  {p.get('thread_url')}")
    return "\n".join(lines)


def _card(card: dict[str, Any]) -> str:
    lines = [f"#{card.get('id')} {card.get('name') or card.get('first_name') or '(no name)'}"]
    for identity in card.get("identities", []):
        lines.append(f"  {identity['kind']}: {identity['address']} ({identity['verification']})")
    for detail in card.get("details", []):
        lines.append(f"  {detail['key']} = {detail['value']}")
    for channel, message in card.get("last_message_by_channel", {}).items():
        lines.append(f"  last {channel}: {message['body']}")
    for order in card.get("orders", []):
        items = ", ".join(f"{i['quantity']}x {i['name']}" for i in order["items"])
        lines.append(f"  order {order['number']} ({order['source']}, {order['status']}): {items}")
    if card.get("thread"):
        lines.append(f"  thread: {card['thread']['status']}")
    return "\n".join(lines)


def print_push(frame: dict[str, Any]) -> None:
    if frame.get("type") == "assist.reply":
        agent = frame.get("agent", {}).get("name", "an agent")
        print(f"\n[{agent} answers #{frame.get('assist_id')}] {frame.get('body')}", flush=True)


async def console(url: str, key: str, queue_path: str) -> int:
    from connectors.instore.client import TerminalClient, TerminalRefused

    current: int | None = None
    async with TerminalClient(url, key, queue_path, on_push=print_push) as client:
        print(f"terminal console for {client.url} — help lists the commands", flush=True)
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or line.strip().lower() in ("quit", "exit"):
                break
            if line.strip().lower() in ("help", "?"):
                print(HELP)
                continue
            if line.strip().lower() == "queue":
                print(f"{len(client.queue)} frame(s) waiting for the hub")
                continue
            words = line.split()
            if words[:1] == ["use"]:
                if len(words) == 2 and words[1].isdigit():
                    current = int(words[1])
                    print(f"current customer: #{current}")
                else:
                    print("usage: use CUSTOMER_ID")
                continue
            try:
                frame_type, fields = parse_command(line, current)
                ack = await client.send(frame_type, wait=5, **fields)
            except Usage as exc:
                print(f"usage: {exc}")
                continue
            except TerminalRefused as exc:
                return fail(f"the hub refused this terminal ({exc.code} {exc.reason})")
            if ack is None:
                print("the hub is unreachable; queued, it will be sent when it is back")
                continue
            if ack.get("ok"):
                customer = ack.get("customer") or {}
                current = ack.get("customer_id") or customer.get("id") or current
            print(describe(ack), flush=True)
        waiting = len(client.queue)
    if waiting:
        print(f"{waiting} frame(s) still queued; they will be sent next time")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("terminal", help="interactive in-store associate console")
    parser.add_argument(
        "--key",
        default=os.environ.get("HUB_TERMINAL_KEY"),
        help="terminal key (or HUB_TERMINAL_KEY)",
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the hub's URL")
    parser.add_argument(
        "--queue", default="./var/terminal-queue.db", help="offline queue file (SQLite)"
    )
    parser.set_defaults(func=cmd_terminal)


def cmd_terminal(args: argparse.Namespace) -> int:
    if not args.key:
        return fail("--key is required (printed by `hub create-terminal`)")
    return asyncio.run(console(args.url, args.key, args.queue))
