"""Alembic: upgrade head and downgrade base on both engines, and the schema matches the models."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from hub.db import Base, create_engine
from hub.migrate import downgrade, upgrade
from tests.conftest import PG_URL, require_service, scratch_pg_database


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    url = require_service(PG_URL, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    with scratch_pg_database(url, "hub_mig") as fresh:
        yield fresh


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
