"""Console pages: sign-in required, CSRF on every state-changing request, roles, and
the one place a view's refusal is answered.

The session and CSRF check itself is ``hub.web.sessions`` (the one check of every
browser route); this module wraps console endpoints with it (``console_view``):
anonymous users are redirected to ``/login``, a missing or wrong CSRF token is a 403,
admin pages refuse other roles. Views raise ``HubError`` to refuse; the wrapper hands
it to the view's ``refused`` answer (``hub.web.console.answers``). Sign-in attempts
are throttled by ``hub.web.throttle``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.core import Hub
from hub.errors import HubError
from hub.models import Agent
from hub.queries.sessions import active_agents_and_holder
from hub.web.sessions import (
    SignInRequired,
    browser_agent,
    check_agent,
    csrf_token,
    session_key,
)

__all__ = [
    "Refusal",
    "actor",
    "console_view",
    "csrf_token",
    "current_agent",
    "hub_of",
]

Endpoint = Callable[[Request], Awaitable[Response]]
# How a view answers the HubError it raised (``hub.web.console.answers``).
Refusal = Callable[[Request, HubError], Awaitable[Response]]


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def signed_in_agent(request: Request, db: AsyncSession | None = None) -> Agent | None:
    """The active agent of this browser's live session, or None (``browser_agent``)."""
    return await browser_agent(request, db)


async def signed_in_among_active(request: Request, db: AsyncSession) -> Agent | None:
    """``signed_in_agent`` read together with every active agent (by name) in one query;
    the list is left on ``request.state.agents`` (``page_agents``)."""
    request.state.agents = []
    key = session_key(request)
    if key is None:
        return None
    request.state.agents, signed_in = await active_agents_and_holder(db, key)
    return signed_in


def page_agents(request: Request) -> list[Agent]:
    """The active agents a ``console_view(read=True, agents=True)`` page was given."""
    agents: list[Agent] = request.state.agents
    return agents


def page_session(request: Request) -> AsyncSession:
    """The read-only session a ``console_view(read=True)`` page runs in."""
    db: AsyncSession = request.state.db
    return db


def current_agent(request: Request) -> Agent:
    """The agent ``console_view`` put on the request."""
    agent: Agent = request.state.agent
    return agent


def actor(request: Request) -> str:
    """The audit actor of this request, e.g. ``agent:4``."""
    return f"agent:{current_agent(request).id}"


def _to_login(request: Request) -> Response:
    """Back to this page (a GET) or to the inbox after signing in."""
    target = request.url.path if request.method == "GET" else "/"
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)


def console_view(
    *,
    admin: bool = False,
    read: bool = False,
    agents: bool = False,
    refused: Refusal | None = None,
) -> Callable[[Endpoint], Endpoint]:
    """Wrap a console endpoint: anonymous users are redirected to ``/login``; POSTs must
    carry the CSRF token (403); ``admin=True`` pages refuse other roles (403).

    The view raises ``HubError`` to refuse (it never catches it to answer): ``refused``
    answers it, e.g. ``answers.back(...)`` (flash and redirect back; JSON for fetch) or
    ``answers.again(...)`` (the form's page again with the message). Without
    ``refused`` the app's handler answers ``{"error": {code, message}}`` with the
    error's status, as for a JSON endpoint. The session and CSRF checks run before the
    view, so their refusals are never handed to ``refused``.

    ``read=True`` (GET pages that only read) checks the agent and runs the page in one
    read-only session, ``page_session(request)``, saving a session per request; with
    ``agents=True`` the same query also reads every active agent (``page_agents``)."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        async def checked(request: Request, agent: Agent | None) -> Response:
            try:
                agent = request.state.agent = await check_agent(request, agent)
            except SignInRequired:
                return _to_login(request)
            if admin and not agent.is_admin:
                raise HTTPException(403, "administrators only")
            if refused is None:
                return await endpoint(request)
            try:
                return await endpoint(request)
            except HubError as exc:
                return await refused(request, exc)

        if read:

            @functools.wraps(endpoint)
            async def reading(request: Request) -> Response:
                async with hub_of(request).read() as db:
                    request.state.db = db
                    if agents:
                        agent = await signed_in_among_active(request, db)
                    else:
                        agent = await signed_in_agent(request, db)
                    return await checked(request, agent)

            return reading

        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            return await checked(request, await signed_in_agent(request))

        return wrapper

    return decorate
