"""CSRF on every session-authenticated POST of the whole app, and role checks (IDOR) for
agents of role ``agent``.

``tests/hub/web/console/test_auth.py`` checks the console's own routes; this extends
it to every POST route the assembled app serves with the session cookie (connectors
add some: click-to-call, replies to in-store assists), so a route added anywhere
without the CSRF check fails here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from hub.core import Hub
from hub.models import Agent, ApiToken
from tests.hub.web.console.conftest import SignedIn
from tests.security.conftest import app_routes, concrete

# Surfaces authenticated by something other than the console session cookie: provider
# callbacks (Twilio and Shopify signatures), bearer tokens, terminal keys, the login form.
NOT_SESSION = ("/twilio/", "/shopify/", "/api/v1/", "/instore/v1/", "/login")


def session_posts(app: Any) -> list[str]:
    return [
        concrete(path)
        for method, path in app_routes(app)
        if method == "POST" and not path.startswith(NOT_SESSION)
    ]


async def test_every_session_post_of_the_app_needs_the_csrf_token(
    app: Any, admin: SignedIn
) -> None:
    posts = session_posts(app)
    assert "/phone/calls" in posts and any(p.startswith("/instore/assists/") for p in posts)
    for path in posts:
        for attempt in (
            {"data": {"body": "hi", "name": "x"}},
            {"data": {"csrf": "y" * 43, "body": "hi"}},
            {"json": {"body": "hi", "to": "+15550100000"}},
            {"json": {"body": "hi"}, "headers": {"X-CSRF-Token": "z" * 43}},
        ):
            response = await admin.client.post(path, **attempt)  # type: ignore[arg-type]
            assert response.status_code == 403, (path, attempt, response.status_code)


async def test_another_sessions_token_is_refused(admin: SignedIn, plain_agent: SignedIn) -> None:
    """A CSRF token is bound to its session: an attacker's own token does not work."""
    response = await admin.client.post(
        "/admin/tokens", data={"csrf": plain_agent.csrf, "name": "stolen"}
    )
    assert response.status_code == 403


async def test_agent_role_cannot_perform_admin_actions(
    app: Any, core: Hub, plain_agent: SignedIn, admin: SignedIn
) -> None:
    """Every ``/admin`` POST with a valid CSRF token, as an ``agent``: 403, nothing changes."""
    posts = [p for p in session_posts(app) if p.startswith("/admin")]
    assert len(posts) >= 6
    form = {
        "csrf": plain_agent.csrf,
        "name": "Mallory",
        "email": "mallory@example.com",
        "password": "x" * 16,
        "role": "admin",
        "code": "EVIL",
        "store": "EVIL",
    }
    for path in posts:
        response = await plain_agent.client.post(path, data=form)
        assert response.status_code == 403, path
    async with core.read() as session:
        agents = (await session.execute(select(func.count()).select_from(Agent))).scalar_one()
        tokens = (await session.execute(select(func.count()).select_from(ApiToken))).scalar_one()
    assert (agents, tokens) == (2, 0)
    assert (await admin.client.get("/admin/agents")).status_code == 200
    # ``/audit`` is open to every agent: agents merge and undo merges from it.
    for page in ("/admin/agents", "/admin/tokens", "/admin/stores"):
        assert (await plain_agent.client.get(page)).status_code == 403, page
