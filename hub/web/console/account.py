"""``/account``: an agent changes their own password, signing out every other browser."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions.staff import change_password
from hub.web.console.answers import again
from hub.web.console.auth import console_view, current_agent, hub_of
from hub.web.console.forms import field
from hub.web.console.render import render
from hub.web.sessions import session_key


async def _page(request: Request, extra: dict[str, Any], status: int = 200) -> Response:
    return render(request, "account.html", extra, status=status)


@console_view()
async def account_page(request: Request) -> Response:
    return await _page(request, {})


@console_view(refused=again(_page))
async def change_password_submit(request: Request) -> Response:
    form = await request.form()
    key = session_key(request)
    assert key is not None  # console_view found a live session
    async with hub_of(request).uow() as uow:
        await change_password(
            uow, current_agent(request).id, field(form, "current"), field(form, "new"), keep_key=key
        )
    request.session["flash"] = "Password changed; every other browser was signed out."
    return RedirectResponse("/account", 303)
