"""Alembic environment: runs migrations on the hub's async engine.

The URL comes from ``config.attributes["url"]`` (set by ``hub migrate`` and tests),
else ``HUB_DATABASE_URL``, else the embedded SQLite default.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

import hub.models  # noqa: F401  (registers every table on Base.metadata)
from hub.db import Base, create_engine
from hub.settings import DEFAULT_DATABASE_URL

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return str(
        config.attributes.get("url") or os.environ.get("HUB_DATABASE_URL") or DEFAULT_DATABASE_URL
    )


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())
