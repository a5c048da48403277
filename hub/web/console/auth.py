"""Console sign-in, sessions and CSRF.

- The session (Starlette's ``SessionMiddleware``, cookie ``hub_session``, HttpOnly,
  SameSite=lax) carries ``agent_id`` and ``csrf``. Other parts of the hub (socket.io
  ``/agent``, click-to-call, in-store assist replies) read the same keys.
- Every state-changing request carries the session's CSRF token: the hidden form
  field ``csrf`` or, for fetch/XHR, the header ``X-CSRF-Token``. A missing or wrong
  token is a 403.
- Passwords are argon2 (``hub.security.verify_password``). Five failures in a row
  lock an account for a while (``hub.actions.logins``); an IP that keeps failing is
  slowed down, then refused with 429 (``LoginLimiter``).
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.core import Hub
from hub.models import Agent

SESSION_AGENT = "agent_id"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

Endpoint = Callable[[Request], Awaitable[Response]]
ACTIVE_AGENTS = select(Agent).where(Agent.is_active.is_(True)).order_by(Agent.name)


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


async def check_csrf(request: Request) -> None:
    """Raise 403 unless the request carries this session's CSRF token."""
    expected = request.session.get(SESSION_CSRF)
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not given or not hmac.compare_digest(expected, given):
        raise HTTPException(403, "missing or invalid CSRF token")


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def signed_in_agent(request: Request, db: AsyncSession | None = None) -> Agent | None:
    """The active agent of this session, or None; read in ``db`` when given."""
    agent_id = request.session.get(SESSION_AGENT)
    if not isinstance(agent_id, int):
        return None
    if db is not None:
        agent = await db.get(Agent, agent_id)
    else:
        async with hub_of(request).read() as own:
            agent = await own.get(Agent, agent_id)
    if agent is None or not agent.is_active:
        return None
    return agent


async def signed_in_among_active(request: Request, db: AsyncSession) -> Agent | None:
    """``signed_in_agent`` read together with every active agent (by name) in one query;
    the list is left on ``request.state.agents`` (``page_agents``)."""
    request.state.agents = []
    agent_id = request.session.get(SESSION_AGENT)
    if not isinstance(agent_id, int):
        return None
    result = await db.execute(select(Agent).where(Agent.is_active.is_(True)).order_by(Agent.name))
    agents: list[Agent] = list(result.scalars())
    request.state.agents = agents
    return next((agent for agent in agents if agent.id == agent_id), None)


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


def console_view(
    *, admin: bool = False, read: bool = False, agents: bool = False
) -> Callable[[Endpoint], Endpoint]:
    """Wrap a console endpoint: anonymous users are redirected to ``/login``; POSTs must
    carry the CSRF token (403); ``admin=True`` pages refuse other roles (403).

    ``read=True`` (GET pages that only read) checks the agent and runs the page in one
    read-only session, ``page_session(request)``, saving a session per request; with
    ``agents=True`` the same query also reads every active agent (``page_agents``)."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        async def checked(request: Request, agent: Agent | None) -> Response:
            if agent is None:
                target = request.url.path if request.method == "GET" else "/"
                if request.method == "GET" and request.url.query:
                    target += "?" + request.url.query
                return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)
            request.state.agent = agent
            if request.method not in ("GET", "HEAD"):
                await check_csrf(request)
            if admin and not agent.is_admin:
                raise HTTPException(403, "administrators only")
            return await endpoint(request)

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


class LoginLimiter:
    """Per-IP failed sign-ins in a sliding window: each failure past the first two
    delays the answer a little more (``delay_step``, up to ``max_delay``); past
    ``max_failures`` the IP is refused until the window slides. Kept in memory per
    process: the per-account lock-out in the database holds across processes."""

    def __init__(
        self,
        *,
        max_failures: int = 10,
        window: float = 900.0,
        delay_step: float = 0.05,
        max_delay: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.delay_step = delay_step
        self.max_delay = max_delay
        self.clock = clock
        self.failures: dict[str, deque[float]] = {}

    def _recent(self, ip: str) -> deque[float]:
        stamps = self.failures.setdefault(ip, deque())
        horizon = self.clock() - self.window
        while stamps and stamps[0] < horizon:
            stamps.popleft()
        return stamps

    def retry_after(self, ip: str) -> int:
        """Seconds until ``ip`` may try again; 0 when it may try now."""
        stamps = self._recent(ip)
        if len(stamps) < self.max_failures:
            return 0
        return max(1, int(stamps[0] + self.window - self.clock()) + 1)

    def delay(self, ip: str) -> float:
        return min(self.max_delay, self.delay_step * max(0, len(self._recent(ip)) - 2))

    def failed(self, ip: str) -> None:
        self._recent(ip).append(self.clock())
        if len(self.failures) > 10_000:  # forget idle IPs rather than grow forever
            for key in [k for k, v in self.failures.items() if not v][:5000]:
                del self.failures[key]
