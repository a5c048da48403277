"""Checks that reach out: the database (and its schema), Redis, the public URL."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from redis import asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from hub.checks import Problem
from hub.db import create_engine
from hub.migrate import alembic_config
from hub.settings import Settings

TIMEOUT = 5.0


def _why(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {TIMEOUT:g} s"
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


async def _database_heads(url: str) -> tuple[set[str], set[str]]:
    """(the revisions the database is at, the revisions this hub's migrations end at)."""

    def current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    engine = create_engine(url)
    try:
        async with asyncio.timeout(TIMEOUT):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                at = await connection.run_sync(current)
    finally:
        await engine.dispose()
    needed = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    return at, needed


def _unreachable(settings: Settings, exc: BaseException) -> Problem:
    return Problem(
        "HUB_DATABASE_URL",
        f"cannot use the database at {_shown(settings.database_url)}: {_why(exc)}. Check the "
        "host, port, user, password and database name, and that the server is running.",
    )


async def database_reachable(settings: Settings) -> Sequence[Problem]:
    """The database answers (what ``hub serve`` needs before it migrates)."""
    engine = create_engine(settings.database_url)
    try:
        async with asyncio.timeout(TIMEOUT):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception as exc:
        return [_unreachable(settings, exc)]
    finally:
        await engine.dispose()
    return []


async def check_database(settings: Settings) -> Sequence[Problem]:
    """The database answers and its schema is the one this hub's migrations end at."""
    try:
        at, needed = await _database_heads(settings.database_url)
    except Exception as exc:
        return [_unreachable(settings, exc)]
    where = _shown(settings.database_url)
    if at == needed:
        return []
    if at - needed:
        words = (
            f"is at revision {', '.join(sorted(at))}, which this hub does not know (did a "
            "newer release migrate it?): run that release, or restore a backup."
        )
    elif not at:
        words = "has no tables of the hub yet: run `hub migrate` (hub serve also does)."
    else:
        words = (
            f"is at revision {', '.join(sorted(at))} and this hub needs "
            f"{', '.join(sorted(needed))}: run `hub migrate` (hub serve also does)."
        )
    return [Problem("HUB_DATABASE_URL", f"the database at {where} {words}")]


async def check_redis(settings: Settings) -> Sequence[Problem]:
    """When ``HUB_REDIS_URL`` is set, Redis answers a PING."""
    if not settings.redis_url:
        return []
    client = aioredis.Redis.from_url(
        settings.redis_url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT
    )
    try:
        async with asyncio.timeout(TIMEOUT):
            await client.ping()
    except Exception as exc:
        return [
            Problem(
                "HUB_REDIS_URL",
                f"cannot reach Redis at {_shown(settings.redis_url)}: {_why(exc)}. Until it "
                "answers, agents only see live updates made through the process they are "
                "connected to.",
                fatal=False,
            )
        ]
    finally:
        await client.aclose()
    return []


async def check_public_url_reachable(settings: Settings) -> Sequence[Problem]:
    """``HUB_PUBLIC_URL/healthz`` answers from this host as a running hub does. Run it
    once the hub serves: it goes through DNS, the proxy and TLS like Twilio does."""
    url = settings.public_url.rstrip("/") + "/healthz"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        return [
            Problem(
                "HUB_PUBLIC_URL",
                f"{url} cannot be reached from this host ({_why(exc)}): Twilio and browsers "
                "use this address; check DNS, the proxy, the TLS certificate and that the "
                "hub is running.",
            )
        ]
    answer = response.json() if "json" in response.headers.get("content-type", "") else None
    if response.status_code != 200 or answer != {"status": "ok"}:
        return [
            Problem(
                "HUB_PUBLIC_URL",
                f"{url} answered {response.status_code} where the hub answers 200 "
                '{"status": "ok"}: check that the proxy forwards to the hub, and that the '
                "hub's database answers.",
            )
        ]
    return []
