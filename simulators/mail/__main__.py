"""``python -m simulators.mail``: the mail catcher for ``make run`` (development only):
an SMTP sink the hub sends to (``HUB_SMTP_URL=smtp://127.0.0.1:2526``) and a page
listing what it caught."""

from __future__ import annotations

import argparse
import asyncio

import uvicorn

from simulators.mail.app import create_catcher_app
from simulators.mail.sink import MailSink


async def serve(host: str, smtp_port: int, port: int) -> None:
    sink = MailSink(host, smtp_port)
    await sink.start()
    config = uvicorn.Config(create_catcher_app(sink), host=host, port=port, log_level="warning")
    try:
        await uvicorn.Server(config).serve()
    finally:
        await sink.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.mail")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=2526)
    parser.add_argument("--port", type=int, default=8097, help="the page listing caught mail")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.smtp_port, args.port))


if __name__ == "__main__":
    main()
