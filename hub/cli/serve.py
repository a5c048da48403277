"""``hub serve`` and ``hub migrate``."""

from __future__ import annotations

import argparse
import os

from hub.cli.common import setup_logging
from hub.migrate import upgrade
from hub.settings import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser("serve", help="run the hub (migrates the database first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes (needs PostgreSQL and HUB_REDIS_URL when more than 1)",
    )
    serve.add_argument("--no-outbox", action="store_true", help="do not deliver replies here")
    serve.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        help="proxies whose X-Forwarded-For/-Proto are trusted (comma-separated, or *)",
    )
    serve.set_defaults(func=cmd_serve)

    migrate = subparsers.add_parser("migrate", help="alembic upgrade head on the database")
    migrate.set_defaults(func=cmd_migrate)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    upgrade(settings.database_url)
    print(f"database at head: {_redacted(settings.database_url)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = Settings.from_env()
    setup_logging(settings.log_level)
    if args.workers > 1 and (settings.is_sqlite or not settings.redis_url):
        print("hub: --workers > 1 needs HUB_DATABASE_URL=postgresql+asyncpg://… and HUB_REDIS_URL")
        return 2
    upgrade(settings.database_url)
    if args.no_outbox:
        os.environ["HUB_OUTBOX"] = "off"
    uvicorn.run(
        "hub.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        ws="websockets-sansio",
    )
    return 0


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
