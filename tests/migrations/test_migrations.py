"""Alembic: upgrade head and downgrade base on both engines, and the schema matches the models."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, make_url

from hub.db import Base, create_engine
from hub.migrate import downgrade, upgrade
from tests.conftest import PG_URL, require_service


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    url = require_service(PG_URL, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    import asyncpg

    base = make_url(url)
    name = f"hub_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _inspect(url: str) -> tuple[set[str], list[object]]:
    engine = create_engine(url)

    def work(conn: Connection) -> tuple[set[str], list[object]]:
        tables = set(inspect(conn).get_table_names())
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        return tables, list(diff)

    try:
        async with engine.connect() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


def test_upgrade_head_matches_models_then_downgrade_base(empty_db: str) -> None:
    upgrade(empty_db)
    tables, diff = asyncio.run(_inspect(empty_db))
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert diff == [], f"models and migrations differ: {diff}"

    downgrade(empty_db, "base")
    tables, _ = asyncio.run(_inspect(empty_db))
    assert tables <= {"alembic_version"}

    upgrade(empty_db)  # and back up again: downgrade left nothing behind
