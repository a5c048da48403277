"""``hub serve`` and ``hub migrate``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os

from hub.checks.runner import problems, run_checks
from hub.cli.common import load_settings, setup_logging
from hub.migrate import upgrade
from hub.web.server import GRACEFUL_TIMEOUT_SECONDS, HEADER_TIMEOUT_SECONDS, serve, server_config

log = logging.getLogger("hub.serve")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the hub (checks the configuration, migrates the database first)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes (needs PostgreSQL and HUB_REDIS_URL when more than 1)",
    )
    parser.add_argument("--no-outbox", action="store_true", help="do not deliver replies here")
    parser.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        help="proxies whose X-Forwarded-For/-Proto are trusted (comma-separated, or *)",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=HEADER_TIMEOUT_SECONDS,
        help="seconds a client has to send its request headers (default %(default)s)",
    )
    parser.add_argument(
        "--graceful-timeout",
        type=int,
        default=GRACEFUL_TIMEOUT_SECONDS,
        help="seconds in-flight requests get to finish at shutdown (default %(default)s)",
    )
    parser.set_defaults(func=cmd_serve)

    migrate = subparsers.add_parser("migrate", help="alembic upgrade head on the database")
    migrate.set_defaults(func=cmd_migrate)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        return 1
    upgrade(settings.database_url)
    print(f"database at head: {_redacted(settings.database_url)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        return 1
    setup_logging(settings.log_level, settings=settings)
    if args.workers > 1 and (settings.is_sqlite or not settings.redis_url):
        print("hub: --workers > 1 needs HUB_DATABASE_URL=postgresql+asyncpg://… and HUB_REDIS_URL")
        return 2
    found = problems(asyncio.run(run_checks(settings, serving=True)))
    for problem in found:
        if not problem.fatal:
            log.warning("configuration: %s", problem)
    fatal = [p for p in found if p.fatal]
    if fatal:
        print("hub: not starting, the configuration has a problem (`hub check` says more):")
        for problem in fatal:
            print(f"  - {problem}")
        return 1
    upgrade(settings.database_url)
    if args.no_outbox:
        os.environ["HUB_OUTBOX"] = "off"
    config = server_config(
        "hub.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        forwarded_allow_ips=args.forwarded_allow_ips,
        log_level=settings.log_level,
        header_timeout=args.header_timeout,
        graceful_timeout=args.graceful_timeout,
    )
    return 0 if serve(config) else 3


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
