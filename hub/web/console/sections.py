"""An admin page and its forms, declared once: ``Section``.

An admin page lists something (agents, API tokens, stores, canned responses,
webhooks) and carries the forms that change it. Each form's view parses, calls one
action (``forms.act``) and answers with its section: ``back`` (a 303 to the page,
with an optional flash), ``with_secret`` (the page again, showing a new secret once:
only its hash is stored) or, when the action refuses, ``again`` (the page again with
the message and, if asked, what the admin typed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.web.console import answers
from hub.web.console.auth import Refusal, console_view, hub_of
from hub.web.console.render import render

# What the page lists, read in one read-only session: the template's context.
Load = Callable[[AsyncSession], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Section:
    """``name`` is the admin menu's entry and, unless ``template`` names another, the
    template ``admin/<name>.html``; ``path`` is the page's URL."""

    name: str
    path: str
    load: Load
    template: str | None = None

    async def page(
        self, request: Request, extra: dict[str, Any] | None = None, status: int = 200
    ) -> Response:
        """The page, with ``extra`` over what ``load`` read."""
        async with hub_of(request).read() as db:
            context: dict[str, Any] = {"section": self.name, **await self.load(db)}
        context.update(extra or {})
        template = f"admin/{self.template or self.name}.html"
        return render(request, template, context, status=status)

    def view(self) -> Callable[[Request], Awaitable[Response]]:
        """The page as an admin-only console endpoint (its GET route)."""

        @console_view(admin=True)
        async def show(request: Request) -> Response:
            return await self.page(request)

        return show

    def back(self, request: Request, flash: str | None = None) -> Response:
        """Done: a 303 to the page (the flash, if any, shown there)."""
        if flash is not None:
            request.session["flash"] = flash
        return RedirectResponse(self.path, 303)

    async def with_secret(self, request: Request, secret: str, owner: str) -> Response:
        """Done: the page again, showing ``owner``'s new ``secret`` this once."""
        return await self.page(request, {"secret": secret, "secret_for": owner})

    def again(self, keep: answers.Keep | None = None) -> Refusal:
        """Refused: the page again with the message (and ``keep``'s draft)."""
        return answers.again(self.page, keep)
