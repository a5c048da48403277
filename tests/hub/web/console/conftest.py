"""Console HTTP fixtures: agents and signed-in clients (both engines through ``client``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hub.actions.staff import create_agent
from hub.app import create_app
from hub.core import Hub
from hub.models import Agent
from hub.settings import Settings
from tests.conftest import running_app

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass
class SignedIn:
    client: httpx.AsyncClient
    agent: Agent
    csrf: str


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def make_agent(hub: Hub, email: str, role: str = "agent", name: str = "Ann") -> Agent:
    async with hub.uow() as uow:
        return await create_agent(uow, email, name, PASSWORD, role=role)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"email": email, "password": password, "csrf": csrf_of(page.text), "next": "/"},
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The hub without its outbox worker: these tests check pages, not deliveries, and a
    worker cancelled mid-query at teardown leaves aiosqlite callbacks on a closed loop."""
    application = create_app(settings, run_outbox=False)
    async with running_app(application):
        yield application


@pytest.fixture
def console_hub(app: object) -> Hub:
    return app.state.hub  # type: ignore[attr-defined, no-any-return]


@pytest.fixture
async def admin(client: httpx.AsyncClient, console_hub: Hub) -> SignedIn:
    agent = await make_agent(console_hub, "boss@example.com", role="admin", name="Boss")
    response = await sign_in(client, agent.email)
    assert response.status_code == 303
    page = await client.get("/")
    return SignedIn(client, agent, csrf_of(page.text))


@pytest.fixture
async def plain_agent(client: httpx.AsyncClient, console_hub: Hub) -> SignedIn:
    agent = await make_agent(console_hub, "ann@example.com")
    response = await sign_in(client, agent.email)
    assert response.status_code == 303
    page = await client.get("/")
    return SignedIn(client, agent, csrf_of(page.text))
