"""How console views answer: done (``answer``) or refused (``back``, ``again``).

Views raise ``HubError`` to refuse and never catch it to answer: ``console_view``'s
``refused=`` names one of these answers and the wrapper applies it.

- ``back(where)``: a plain form post gets the message as the next page's flash and a
  303 redirect to ``where``; a fetch with ``Accept: application/json`` gets the hub's
  error shape ``{"error": {code, message}}`` with the error's status (the thread
  page's forms, privacy, order actions).
- ``again(page, keep)``: the form's page rendered again with ``error`` (the message)
  and, with ``keep``, what the agent typed as ``draft``, with the error's status (the
  admin pages).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from hub.errors import HubError
from hub.web.console.auth import Refusal
from hub.web.errors import error_response

# Where a refused form goes back to, from its request (path parameters, form fields).
Where = Callable[[Request], Awaitable[str]]
# A page with its form: (request, extra context, status) → the rendered page.
Page = Callable[[Request, dict[str, Any], int], Awaitable[Response]]
# What the agent typed, kept for the page rendered again.
Keep = Callable[[Request, FormData], dict[str, Any]]


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def answer(request: Request, back: str, payload: dict[str, Any] | None = None) -> Response:
    """Done: ``{"ok": true, **payload}`` for a fetch, else a 303 redirect to ``back``."""
    if wants_json(request):
        return JSONResponse({"ok": True, **(payload or {})})
    return RedirectResponse(back, 303)


def back(where: str | Where) -> Refusal:
    """Refused: the message as a flash and a 303 redirect to ``where`` (a path, or the
    path computed from the request); the error shape for a fetch."""

    async def refuse(request: Request, exc: HubError) -> Response:
        if wants_json(request):
            return error_response(exc.status, exc.code, exc.message)
        request.session["flash"] = exc.message
        target = where if isinstance(where, str) else await where(request)
        return RedirectResponse(target, 303)

    return refuse


def again(page: Page, keep: Keep | None = None) -> Refusal:
    """Refused: ``page`` rendered again with ``{"error": message}`` (and ``draft``, what
    ``keep`` takes from the form) and the error's status."""

    async def refuse(request: Request, exc: HubError) -> Response:
        extra: dict[str, Any] = {"error": exc.message}
        if keep is not None:
            extra["draft"] = keep(request, await request.form())
        return await page(request, extra, exc.status)

    return refuse
