"""Console access control: anonymous redirects, CSRF on every form, roles (sign-in
throttling: ``tests/security/test_login_throttle.py``)."""

from __future__ import annotations

import re

import httpx
from starlette.routing import Route

from hub.core import Hub
from hub.web.console import console_routes
from tests.hub.web.console.conftest import PASSWORD, SignedIn, csrf_of, make_agent, sign_in


def _concrete(path: str) -> str:
    return re.sub(r"\{[a-z_]+(:int)?\}", "1", path)


ROUTES = [
    (method, _concrete(route.path))
    for route in console_routes()
    if isinstance(route, Route)
    for method in sorted(route.methods or ())
    if method != "HEAD" and route.path != "/login"
]
POSTS = [path for method, path in ROUTES if method == "POST"]
ADMIN_ROUTES = [(method, path) for method, path in ROUTES if path.startswith("/admin")]
# Admin-only routes outside /admin: the personal-data actions on a customer.
ADMIN_ROUTES += [("POST", "/customers/1/export"), ("GET", "/customers/1/erase")]
ADMIN_ROUTES += [("POST", "/customers/1/erase")]


async def test_anonymous_users_are_sent_to_login(client: httpx.AsyncClient) -> None:
    assert len(ROUTES) > 20
    for method, path in ROUTES:
        response = await client.request(method, path)
        assert response.status_code == 303, (method, path)
        assert response.headers["location"].startswith("/login"), (method, path)


async def test_login_page_is_public_and_sets_no_agent(client: httpx.AsyncClient) -> None:
    response = await client.get("/login")
    assert response.status_code == 200
    assert "csrf" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_sign_in_and_out(client: httpx.AsyncClient, console_hub: Hub) -> None:
    agent = await make_agent(console_hub, "ann@example.com")
    response = await sign_in(client, "ANN@example.com")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "hub_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    page = await client.get("/")
    assert page.status_code == 200 and agent.name in page.text
    out = await client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    assert (await client.get("/")).status_code == 303


async def test_login_without_or_with_wrong_csrf_is_refused(
    client: httpx.AsyncClient, console_hub: Hub
) -> None:
    await make_agent(console_hub, "ann@example.com")
    await client.get("/login")
    form = {"email": "ann@example.com", "password": PASSWORD}
    assert (await client.post("/login", data=form)).status_code == 403
    assert (await client.post("/login", data={**form, "csrf": "x" * 43})).status_code == 403


async def test_every_form_needs_the_csrf_token(admin: SignedIn) -> None:
    for path in POSTS:
        missing = await admin.client.post(path, data={"body": "hi"})
        assert missing.status_code == 403, path
        wrong = await admin.client.post(path, data={"csrf": "y" * 43, "body": "hi"})
        assert wrong.status_code == 403, path
        header = await admin.client.post(path, headers={"X-CSRF-Token": "z" * 43})
        assert header.status_code == 403, path


async def test_csrf_header_is_accepted_for_fetch(admin: SignedIn) -> None:
    response = await admin.client.post(
        "/admin/tokens",
        data={"name": "shop"},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert response.status_code == 200
    assert "hub_" in response.text


async def test_agent_role_cannot_reach_admin_pages(plain_agent: SignedIn) -> None:
    for method, path in ADMIN_ROUTES:
        if method == "POST":
            response = await plain_agent.client.post(path, data={"csrf": plain_agent.csrf})
        else:
            response = await plain_agent.client.get(path)
        assert response.status_code == 403, (method, path)
    create = await plain_agent.client.post(
        "/admin/tokens", data={"csrf": plain_agent.csrf, "name": "x"}
    )
    assert create.status_code == 403
