"""Engine, sessions and the declarative base.

SQLite is the embedded default: WAL journal, a busy timeout, foreign keys on, and
write transactions opened with ``BEGIN IMMEDIATE`` so concurrent writers queue on
the database lock instead of failing when a read snapshot is upgraded. PostgreSQL
runs through asyncpg with the default READ COMMITTED isolation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    and_,
    any_,
    bindparam,
    event,
    text,
    tuple_,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from hub.safe_text import guard_text

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Integer on SQLite (so the column is the rowid alias and autoincrements), BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


def in_list(dialect: str, column: Any, name: str) -> ColumnElement[bool]:
    """``column IN :name``, the list bound when the statement runs (so a statement
    using it is built once: ``functools.cache`` on its builder, keyed by ``dialect``,
    the dialect's name); on PostgreSQL ``column = ANY(:name)``, one bound array: the
    statement's text is the same whatever the number of values, so asyncpg reuses its
    prepared statement."""
    if dialect == "postgresql":
        return cast(ColumnElement[bool], column == any_(bindparam(name, type_=ARRAY(column.type))))
    return cast(ColumnElement[bool], column.in_(bindparam(name, expanding=True)))


def pairs_in_list(dialect: str, first: Any, second: Any, name: str) -> ColumnElement[bool]:
    """``(first, second) IN :name`` (bound by ``pairs_params``); on PostgreSQL each
    column ``= ANY`` of its values, which may match more pairs than asked: the caller
    keeps only the pairs it asked for."""
    if dialect == "postgresql":
        return and_(
            in_list(dialect, first, f"{name}_first"), in_list(dialect, second, f"{name}_second")
        )
    return cast(ColumnElement[bool], tuple_(first, second).in_(bindparam(name, expanding=True)))


def pairs_params(dialect: str, name: str, pairs: Iterable[tuple[Any, Any]]) -> dict[str, Any]:
    """The parameters of ``pairs_in_list(dialect, ..., name)`` for ``pairs``."""
    listed = sorted(set(pairs))
    if dialect == "postgresql":
        return {
            f"{name}_first": sorted({a for a, _ in listed}),
            f"{name}_second": sorted({b for _, b in listed}),
        }
    return {name: listed}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every engine (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Every model's table is keyed by a surrogate ``id`` (``BigId``, the first column),
    declared here once."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, sort_order=-1)


class CreatedAt:
    """Mixin: ``created_at``, when the row was added (UTC, set on insert), declared
    once. The few tables that also index it declare their own."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UpdatedAt:
    """Mixin: ``updated_at``, when the row last changed (UTC, set on insert and on every
    ORM update; a bulk ``UPDATE`` sets it itself)."""

    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def _sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def create_engine(url: str, *, read_only: bool = False, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for ``url`` with the per-dialect settings above.

    On SQLite, ``read_only`` engines open ordinary deferred transactions so readers run
    side by side under WAL; only writers queue with ``BEGIN IMMEDIATE``.
    """
    # Bound parameters (message bodies, phone numbers) never reach a log line or an
    # exception's text (hub.logging).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine, immediate=not read_only)
    else:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_async_engine(url, **kwargs)
    # NUL and lone surrogates become U+FFFD on both engines (hub.safe_text).
    guard_text(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writing transaction takes the write lock up front: a deferred transaction
        # that reads and then writes fails with SQLITE_BUSY instead of waiting its turn.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def add_if_new(session: AsyncSession, row: object) -> bool:
    """Insert ``row`` in a savepoint; False, with nothing inserted and the transaction
    still usable, when a unique key already holds it (it existed, or a concurrent
    insert won the race)."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def refresh_statistics(session: AsyncSession, tables: Iterable[str]) -> None:
    """``ANALYZE`` ``tables`` on PostgreSQL, after a bulk load grew them (what its manual
    advises after populating a database): the planner's row counts of a table that grew
    from a few rows to many are otherwise stale until autovacuum (if it runs) gets to
    it, and a stale count turns an index look-up on two columns into a scan of every
    row of the first one. SQLite's planner keeps using its indexes without statistics:
    nothing to do there. ``tables`` are the hub's own table names, never user input."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE " + ", ".join(tables)))
