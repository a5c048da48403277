"""Security test fixtures: the app in-process (both engines), signed-in agents, tokens,
and helpers to send what a hostile client would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.routing import BaseRoute, Mount, Route

from hub.actions.staff import create_api_token
from hub.app import create_app
from hub.core import Hub
from hub.settings import Settings
from tests.conftest import running_app
from tests.hub.web.console.conftest import SignedIn, csrf_of, make_agent, sign_in

SMS_PATH = "/twilio/sms"
INJECTIONS = [
    "'; DROP TABLE customers; --",
    "Robert'); DELETE FROM events WHERE ('1'='1",
    "{{7*7}}",
    "{% raw %}{{ config }}{% endraw %}",
    "${7*7} #{7*7} <%= 7*7 %>",
]
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The app without an outbox worker: these tests check what is stored and shown."""
    application = create_app(settings, run_outbox=False)
    async with running_app(application):
        yield application


@pytest.fixture
def core(app: Any) -> Hub:
    return app.state.hub  # type: ignore[no-any-return]


@pytest.fixture
async def api_token(core: Hub) -> str:
    async with core.uow() as uow:
        _, key = await create_api_token(uow, "security-tests")
    return key


async def signed_in(app: Any, core: Hub, email: str, role: str, name: str) -> SignedIn:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    agent = await make_agent(core, email, role=role, name=name)
    assert (await sign_in(client, email)).status_code == 303
    return SignedIn(client, agent, csrf_of((await client.get("/")).text))


@pytest.fixture
async def admin(app: Any, core: Hub) -> AsyncIterator[SignedIn]:
    signed = await signed_in(app, core, "boss@example.com", "admin", "Boss")
    yield signed
    await signed.client.aclose()


@pytest.fixture
async def plain_agent(app: Any, core: Hub) -> AsyncIterator[SignedIn]:
    signed = await signed_in(app, core, "ann@example.com", "agent", "Ann")
    yield signed
    await signed.client.aclose()


def app_routes(app: Any) -> list[tuple[str, str]]:
    """Every ``(method, path)`` the app serves (mounts flattened), HEAD left out."""
    found: list[tuple[str, str]] = []

    def walk(routes: list[BaseRoute], prefix: str) -> None:
        for route in routes:
            if isinstance(route, Mount) and route.routes:
                walk(list(route.routes), prefix + route.path)
            elif isinstance(route, Route):
                for method in sorted(route.methods or ()):
                    if method != "HEAD":
                        found.append((method, prefix + route.path))

    walk(list(app.starlette.routes), "")
    return found


def concrete(path: str) -> str:
    """A route path with its parameters filled in (ids 1, words "x")."""
    import re

    path = re.sub(r"\{[a-z_]+:int\}", "1", path)
    return re.sub(r"\{[a-z_]+(:[a-z]+)?\}", "1", path)
