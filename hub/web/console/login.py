"""``/login`` and ``/logout``: argon2 passwords, per-account lock-out, per-IP limiter."""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions.logins import record_login
from hub.db import utcnow
from hub.models import Agent
from hub.security import verify_password
from hub.web.console.auth import (
    SESSION_AGENT,
    SESSION_CSRF,
    LoginLimiter,
    check_csrf,
    console_view,
    hub_of,
    signed_in_agent,
)
from hub.web.console.render import render


def safe_next(value: str | None) -> str:
    """Only same-site paths are followed after sign-in."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    return value


async def login_page(request: Request) -> Response:
    if await signed_in_agent(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), 303)
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next"))})


async def login_submit(request: Request, limiter: LoginLimiter) -> Response:
    """Check the CSRF token, the IP's budget, the account's lock and the password."""
    await check_csrf(request)
    form = await request.form()
    email = str(form.get("email") or "").strip().lower()[:320]
    password = str(form.get("password") or "")[:1024]
    next_path = safe_next(str(form.get("next") or ""))
    ip = request.client.host if request.client else "unknown"
    context = {"next": next_path, "email": email}

    wait = limiter.retry_after(ip)
    if wait:
        context["error"] = "Too many failed sign-ins from your address. Try again later."
        response = render(request, "login.html", context, status=429)
        response.headers["Retry-After"] = str(wait)
        return response

    hub = hub_of(request)
    async with hub.uow() as uow:
        agent = (
            await uow.session.execute(select(Agent).where(Agent.email == email))
        ).scalar_one_or_none()
        locked = (
            agent is not None and agent.locked_until is not None and agent.locked_until > utcnow()
        )
        usable = agent is not None and agent.is_active and not locked
        # Always run argon2 so unknown, locked and wrong all take the same time.
        ok = verify_password(agent.password_hash if usable and agent else None, password)
        if agent is not None and not locked:
            await record_login(uow, agent, success=ok and usable, ip=ip)
        signed_in = agent if ok and usable else None

    if signed_in is None:
        limiter.failed(ip)
        await asyncio.sleep(limiter.delay(ip))
        context["error"] = (
            "This account is locked after repeated failed sign-ins. Try again later."
            if locked
            else "Wrong email or password."
        )
        return render(request, "login.html", context, status=423 if locked else 401)

    request.session.clear()
    request.session[SESSION_AGENT] = signed_in.id
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return RedirectResponse(next_path, 303)


@console_view()
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", 303)
