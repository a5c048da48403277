"""``/login`` and ``/logout``: argon2 passwords, server-side sessions, throttling that
cannot lock anyone out (``hub.web.throttle``), one answer for every failure."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions.logins import record_login
from hub.actions.sessions import end_session, start_session
from hub.queries.staff import find_agent
from hub.security import verify_password
from hub.web.console.auth import console_view, hub_of, signed_in_agent
from hub.web.console.render import render
from hub.web.sessions import SESSION_KEY, check_csrf, session_key
from hub.web.throttle import DEVICE_COOKIE, DEVICE_MAX_AGE, LoginThrottle

# The one answer to a failed sign-in: unknown email, wrong password, deactivated,
# throttled. Nothing tells them apart.
FAILED = "Wrong email or password, or too many attempts. Try again in a few minutes."


def safe_next(value: str | None) -> str:
    """Only same-site paths are followed after sign-in."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    return value


def throttle_of(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


async def login_page(request: Request) -> Response:
    if await signed_in_agent(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), 303)
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next"))})


async def login_submit(request: Request) -> Response:
    """Check the CSRF token, the throttle and the password; start a server-side session."""
    await check_csrf(request)
    form = await request.form()
    email = str(form.get("email") or "").strip().lower()[:320]
    password = str(form.get("password") or "")[:1024]
    next_path = safe_next(str(form.get("next") or ""))
    ip = request.client.host if request.client else "unknown"
    throttle = throttle_of(request)
    allowed = await throttle.allowed(email, ip, request.cookies.get(DEVICE_COOKIE))

    hub = hub_of(request)
    key: str | None = None
    async with hub.uow() as uow:
        agent = await find_agent(uow.session, email)
        usable = allowed and agent is not None and agent.is_active
        # Always run argon2 so unknown, throttled and wrong all take the same time.
        ok = verify_password(agent.password_hash if usable and agent else None, password)
        if agent is not None and allowed:
            await record_login(uow, agent, success=ok and usable, ip=ip)
        if ok and usable and agent is not None:
            key = await start_session(uow, agent)

    if key is None:
        await throttle.failed(email, ip)
        context = {"next": next_path, "email": email, "error": FAILED}
        return render(request, "login.html", context, status=401)

    await throttle.succeeded(email, ip)
    request.session.clear()
    request.session[SESSION_KEY] = key
    response = RedirectResponse(next_path, 303)
    response.set_cookie(
        DEVICE_COOKIE,
        throttle.device_cookie(email),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=hub.settings.session_cookie_secure,
    )
    return response


@console_view()
async def logout(request: Request) -> Response:
    """Revoke this browser's session on the server (a copied cookie stops working too)."""
    key = session_key(request)
    if key is not None:
        async with hub_of(request).uow() as uow:
            await end_session(uow, key)
    request.session.clear()
    return RedirectResponse("/login", 303)
