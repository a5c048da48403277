"""Shared fixtures: real databases (SQLite and PostgreSQL), hubs, apps and live servers.

Every test that asks for ``db_url`` (directly or through ``settings``/``hub``/``app``)
runs once on SQLite and once on PostgreSQL. PostgreSQL comes from
``HUB_TEST_DATABASE_URL``; outside CI its absence skips those runs, inside CI
(``CI`` set) it fails them. Each test session creates its own PostgreSQL database
(so parallel runs never collide), migrated once with ``alembic upgrade head``;
tables are truncated between tests. SQLite tests get a copy of a migrated file.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.engine import make_url

import hub.models
from hub.app import create_app
from hub.core import Hub
from hub.db import Base, create_engine
from hub.migrate import upgrade
from hub.settings import Settings

IN_CI = bool(os.environ.get("CI"))
PG_URL = os.environ.get("HUB_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL")
TEST_SECRET = "test-secret-key-" + "x" * 32
TWILIO_TEST_TOKEN = "test_twilio_auth_token_0123456789"
TWILIO_TEST_SID = "AC" + "0" * 32


def require_service(url: str | None, name: str, variable: str) -> str:
    """Return ``url`` or skip (outside CI) / fail (inside CI) the test."""
    if url:
        return url
    if IN_CI:
        pytest.fail(f"{name} is required in CI: set {variable}")
    pytest.skip(f"{name} not configured ({variable} unset)")


# -- databases -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "hub.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@contextmanager
def scratch_pg_database(server_url: str, prefix: str = "hub_test") -> Iterator[str]:
    """A new, empty PostgreSQL database on ``server_url``'s server, dropped afterwards.
    Every test session (and helper) gets its own, so parallel runs never collide."""
    import asyncpg

    base = make_url(server_url)
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
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


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A PostgreSQL database of this test session, migrated once; None when unconfigured."""
    if not PG_URL:
        yield None
        return
    with scratch_pg_database(PG_URL) as url:
        upgrade(url)
        yield url


async def truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(
    request: pytest.FixtureRequest, sqlite_template: Path, pg_database: str | None, tmp_path: Path
) -> str:
    """A migrated, empty database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "hub.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url = require_service(pg_database, "PostgreSQL", "HUB_TEST_DATABASE_URL")
    await truncate_all(url)
    return url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite database, for tests that exercise no engine difference."""
    path = tmp_path / "hub-sqlite.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


def make_settings(db_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        database_url=db_url,
        secret_key=TEST_SECRET,
        public_url="http://testserver",
        var_dir=tmp_path / "var",
        twilio_account_sid=TWILIO_TEST_SID,
        twilio_auth_token=TWILIO_TEST_TOKEN,
        twilio_sms_number="+15550001111",
        twilio_voice_number="+15550002222",
        outbox_poll_seconds=0.2,
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    """A core ``Hub`` with the registered connectors (no HTTP server)."""
    from connectors.registry import connector_classes
    from hub.port import HubPort

    instance = Hub(settings)
    port = HubPort(instance)
    for cls in connector_classes():
        instance.add_connector(cls(port))
    try:
        yield instance
    finally:
        await instance.dispose()


# -- apps and servers --------------------------------------------------------------------


@asynccontextmanager
async def running_app(app: Any) -> AsyncIterator[Any]:
    """Run the app's lifespan (startup/shutdown) around the block."""
    starlette_app = app.starlette
    async with starlette_app.router.lifespan_context(starlette_app):
        yield app


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with running_app(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the app in-process at ``http://testserver``."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class LiveServer:
    url: str
    app: Any
    settings: Settings
    server: uvicorn.Server
    task: asyncio.Task[None]

    @property
    def hub(self) -> Hub:
        return self.app.state.hub  # type: ignore[no-any-return]

    async def stop(self) -> None:
        self.server.should_exit = True
        await asyncio.wait_for(self.task, 10)


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def live_server(settings: Settings, **app_kwargs: Any) -> AsyncIterator[LiveServer]:
    """Serve the hub with uvicorn on a loopback port. ``settings.public_url`` is set to
    the server's own URL (so Twilio signatures validate) unless it already points at
    127.0.0.1."""
    sock = free_socket()
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    settings = settings.with_(public_url=url, allowed_origins=(url, *settings.allowed_origins))
    application = create_app(settings, **app_kwargs)
    config = uvicorn.Config(application, log_level="warning", lifespan="on", ws="websockets-sansio")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    live = LiveServer(url, application, settings, server, task)
    try:
        yield live
    finally:
        if not task.done():
            await live.stop()
        sock.close()


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(settings) as live:
        yield live


async def agent_session_cookie(hub: Hub, agent_id: int) -> tuple[str, str]:
    """A real console sign-in for ``agent_id`` (a server-side session row): the
    ``Cookie`` header value and the session's CSRF token."""
    import json
    from base64 import b64encode

    from itsdangerous import TimestampSigner

    from hub.actions.sessions import start_session
    from hub.models import Agent
    from hub.web.sessions import SESSION_COOKIE, SESSION_KEY, derive_csrf

    async with hub.uow() as uow:
        agent = await uow.session.get(Agent, agent_id)
        assert agent is not None
        key = await start_session(uow, agent)
    payload = b64encode(json.dumps({SESSION_KEY: key}).encode())
    signed = TimestampSigner(hub.settings.secret_key).sign(payload).decode()
    return f"{SESSION_COOKIE}={signed}", derive_csrf(hub.settings.secret_key, key)
