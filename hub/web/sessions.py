"""The one session and CSRF check of every browser route (console pages, the phone
console's endpoints, the in-store assist replies, the ``/agent`` socket).

- The cookie ``hub_session`` (Starlette's signed ``SessionMiddleware`` cookie) carries
  only an opaque key: ``sid`` once signed in (the server-side ``AgentSession`` row,
  ``hub.actions.sessions``), or ``pre`` before sign-in (only to derive the login
  form's CSRF token). Nothing about the agent is in it, so revoking the row signs the
  browser out at once, wherever the cookie was copied to.
- The CSRF token is HMAC-SHA256(``HUB_SECRET_KEY``, that key): one per session, new at
  every sign-in, never stored. State-changing requests carry it as the form field
  ``csrf`` or the header ``X-CSRF-Token``.
- One check everywhere, ``check_agent`` (``require_agent`` for routes that read
  nothing else; ``hub.web.console.auth.console_view`` for console pages), one answer:
  no live session → ``SignInRequired`` (401, ``login_required``; console *pages*
  redirect to ``/login`` instead); a missing or wrong CSRF token, as the form field or
  the header → ``CsrfRefused`` (403, ``csrf``). Only the sign-in form checks
  ``check_csrf`` alone: it has no session yet.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from base64 import b64decode
from http.cookies import SimpleCookie
from typing import Any

from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from hub.errors import Forbidden, HubError
from hub.models import Agent
from hub.queries.sessions import find_session

SESSION_COOKIE = "hub_session"
SESSION_MAX_AGE = 12 * 3600
SESSION_KEY = "sid"
PRE_SESSION_KEY = "pre"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(HubError):
    code = "login_required"
    status = 401


class CsrfRefused(Forbidden):
    code = "csrf"


def _secret(request: Request) -> str:
    secret: str = request.app.state.settings.secret_key
    return secret


def derive_csrf(secret_key: str, session_key: str) -> str:
    return hmac.new(
        secret_key.encode(), b"csrf:" + session_key.encode(), hashlib.sha256
    ).hexdigest()


def session_key(request: Request) -> str | None:
    """The opaque key of this browser's signed-in session, if the cookie has one."""
    key = request.session.get(SESSION_KEY)
    return key if isinstance(key, str) and key else None


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (an anonymous browser gets a ``pre`` key for it)."""
    key = session_key(request) or request.session.get(PRE_SESSION_KEY)
    if not isinstance(key, str) or not key:
        key = secrets.token_urlsafe(24)
        request.session[PRE_SESSION_KEY] = key
    return derive_csrf(_secret(request), key)


async def check_csrf(request: Request) -> None:
    """Raise ``CsrfRefused`` unless the request carries this browser's CSRF token."""
    key = session_key(request) or request.session.get(PRE_SESSION_KEY)
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if (
        not isinstance(key, str)
        or not key
        or not given
        or not hmac.compare_digest(derive_csrf(_secret(request), key), given)
    ):
        raise CsrfRefused("missing or invalid CSRF token")


async def browser_agent(request: Request, db: AsyncSession | None = None) -> Agent | None:
    """The agent of this browser's live session (read in ``db`` when given), or None."""
    key = session_key(request)
    if key is None:
        return None
    if db is not None:
        found = await find_session(db, key)
    else:
        async with request.app.state.hub.read() as own:
            found = await find_session(own, key)
    return found[1] if found is not None else None


async def check_agent(request: Request, agent: Agent | None) -> Agent:
    """The one check of every browser route, given the agent of this browser's live
    session (``browser_agent``; None without one): ``SignInRequired`` without an
    agent; for a state-changing method also the CSRF token (``CsrfRefused``)."""
    if agent is None:
        raise SignInRequired("sign in to the console first")
    if request.method not in SAFE_METHODS:
        await check_csrf(request)
    return agent


async def require_agent(request: Request) -> Agent:
    """The signed-in agent, checked by ``check_agent``. Every non-page browser route
    calls this; console pages go through ``console_view``, which reads the agent
    together with the page's data and redirects to ``/login`` on ``SignInRequired``."""
    return await check_agent(request, await browser_agent(request))


def read_session_cookie(cookie_header: str | None, secret_key: str) -> dict[str, Any]:
    """The session dict carried by a ``Cookie`` header, or {} if absent or forged
    (for the socket.io handshake, outside Starlette's request cycle)."""
    if not cookie_header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:
        return {}
    morsel = jar.get(SESSION_COOKIE)
    if morsel is None:
        return {}
    try:
        data = TimestampSigner(secret_key).unsign(morsel.value.encode(), max_age=SESSION_MAX_AGE)
        value = json.loads(b64decode(data))
    except (BadSignature, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
