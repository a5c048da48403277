"""``hub simulate email``: write to the hub as a customer's mail server would, over
SMTP to the hub's receiver (``HUB_SMTP_LISTEN``), and ``hub simulate mail-catcher``."""

from __future__ import annotations

import argparse
import asyncio
import mimetypes
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import aiosmtplib

from connectors.email.settings import EmailSettings
from hub.settings import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    email = subparsers.add_parser(
        "email", help="send an email to the hub's SMTP receiver (HUB_SMTP_LISTEN)"
    )
    email.add_argument("body", help="the message text")
    email.add_argument("--from", dest="sender", required=True, help="the customer's address")
    email.add_argument("--subject", default="", help="the subject")
    email.add_argument("--to", help="the recipient (default HUB_EMAIL_ADDRESS)")
    email.add_argument("--name", help="the sender's display name")
    email.add_argument("--message-id", help="Message-ID to use (repeat one to test replays)")
    email.add_argument("--in-reply-to", help="the Message-ID this answers")
    email.add_argument("--attach", action="append", default=[], help="a file (repeatable)")
    email.add_argument("--server", help="host:port (default HUB_SMTP_LISTEN)")
    email.set_defaults(func=cmd_email)

    catcher = subparsers.add_parser(
        "mail-catcher", help="run an SMTP sink and a page listing the mail the hub sent"
    )
    catcher.add_argument("--host", default="127.0.0.1")
    catcher.add_argument("--smtp-port", type=int, default=2526)
    catcher.add_argument("--port", type=int, default=8097)
    catcher.set_defaults(func=cmd_catcher)


def build_email(args: argparse.Namespace, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{args.name} <{args.sender}>" if args.name else args.sender
    message["To"] = to
    message["Subject"] = args.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = (
        f"<{args.message_id.strip('<>')}>" if args.message_id else make_msgid("sim")
    )
    if args.in_reply_to:
        message["In-Reply-To"] = f"<{args.in_reply_to.strip('<>')}>"
        message["References"] = message["In-Reply-To"]
    message.set_content(args.body)
    for name in args.attach:
        path = Path(name)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return message


def cmd_email(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    email = EmailSettings.from_settings(settings)
    if args.server:
        host, _, port = args.server.rpartition(":")
        server = (host or "127.0.0.1", int(port))
    elif email.listen is not None:
        server = email.listen
    else:
        print("set HUB_SMTP_LISTEN (the hub's SMTP receiver) or pass --server", file=sys.stderr)
        return 2
    to = args.to or email.address or "support@shop.example"
    message = build_email(args, to)
    host = "127.0.0.1" if server[0] in ("", "0.0.0.0") else server[0]
    try:
        _, reply = asyncio.run(
            aiosmtplib.send(
                message, sender=args.sender, recipients=[to], hostname=host, port=server[1]
            )
        )
    except aiosmtplib.SMTPException as exc:
        print(f"the hub refused the message: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"cannot reach the hub's SMTP receiver at {host}:{server[1]}: {exc}", file=sys.stderr)
        return 1
    print(f"delivered {message['Message-ID']} to {host}:{server[1]}: {reply}")
    return 0


def cmd_catcher(args: argparse.Namespace) -> int:
    from simulators.mail.__main__ import serve

    print(
        f"mail catcher (development only): SMTP on {args.host}:{args.smtp_port}, "
        f"page on http://{args.host}:{args.port}\n"
        f"  set HUB_SMTP_URL=smtp://{args.host}:{args.smtp_port} on the hub"
    )
    asyncio.run(serve(args.host, args.smtp_port, args.port))
    return 0
