"""Helpers shared by CLI commands."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from hub.core import Hub
from hub.errors import HubError
from hub.logging import configure_logging
from hub.migrate import upgrade
from hub.settings import Settings

T = TypeVar("T")


def fail(message: str) -> int:
    print(f"hub: {message}", file=sys.stderr)
    return 2


@asynccontextmanager
async def cli_hub(settings: Settings | None = None) -> AsyncIterator[Hub]:
    hub = Hub(settings or Settings.from_env())
    try:
        yield hub
    finally:
        await hub.dispose()


def run_with_hub(fn: Callable[[Hub], Awaitable[T]], *, migrate: bool = True) -> T:
    """Run ``fn(hub)`` on the configured database (migrated first).
    A ``HubError`` it raises is answered by ``hub.cli.main`` (exit 2)."""
    settings = Settings.from_env()
    if migrate:
        upgrade(settings.database_url)

    async def runner() -> T:
        async with cli_hub(settings) as hub:
            return await fn(hub)

    return asyncio.run(runner())


def load_settings() -> Settings | None:
    """The settings from the environment, or None after saying in plain words why they
    cannot be read (a value that is not a number, a key that cannot be stored)."""
    try:
        return Settings.from_env()
    except OSError as exc:
        var_dir = os.environ.get("HUB_VAR_DIR", "./var")
        print(
            f"hub: HUB_SECRET_KEY is unset and a generated key cannot be stored in {var_dir} "
            f"({exc.strerror}): set HUB_SECRET_KEY, or make HUB_VAR_DIR a writable, "
            "persistent directory.",
            file=sys.stderr,
        )
    except ValueError as exc:
        # int()/float() say which value they could not read, not which variable held it.
        named = [k for k, v in os.environ.items() if v and repr(v) in str(exc)]
        print(
            f"hub: {' or '.join(sorted(named)) or 'a setting'} must be a number ({exc}).",
            file=sys.stderr,
        )
    return None


def setup_logging(level: str = "INFO", *, settings: Settings | None = None) -> None:
    """Log to stderr as text or JSON lines (``HUB_LOG_FORMAT``), with request ids and
    secrets masked (see ``hub.logging``)."""
    configure_logging(settings or Settings.from_env(), level=level)


__all__ = ["HubError", "cli_hub", "fail", "load_settings", "run_with_hub", "setup_logging"]
