"""The lean path of provider callbacks: Twilio's webhooks without the console's stack.

A provider posts its webhooks at a high rate and each one needs only: the body-size
limit, the request id, access log line and security headers every response gets
(``hub.web.middleware``), the route's own signature check, and the app's JSON answers
to errors (``hub.web.errors``). ``CallbackDispatch`` sits in front of the whole app and
serves the ``(method, path)`` pairs that connectors declare with
``Connector.provider_callbacks()`` that way, without what such a request never uses:
socket.io's ASGI wrapper, the console's cookie sessions, the router trying every route
in turn, and Starlette's per-request exception wrappers. Everything else, other methods
on those paths included, goes to the app unchanged.

An endpoint served here gets a ``Request`` without ``request.app`` or
``request.session`` (a provider callback has no use for either).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.errors import HubError
from hub.web.errors import database_error_handler, http_error_handler, hub_error_handler
from hub.web.middleware import BodyTooLarge, LimitBodyMiddleware, SecurityHeadersMiddleware

log = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Request, Exception], Awaitable[Response]]

# The app's exception handlers (hub.app), in the order they are looked up.
_HANDLERS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], Handler], ...] = (
    (HTTPException, http_error_handler),
    (HubError, hub_error_handler),
    ((DBAPIError, ConnectionError), database_error_handler),
)


class CallbackDispatch:
    """Serve the provider callbacks ``routes`` on the lean path, everything else with
    ``app``. ``state``, ``starlette`` and ``drain`` are the app's (``create_app``)."""

    def __init__(
        self, app: ASGIApp, routes: Sequence[Route], *, max_bytes: int, hsts: bool
    ) -> None:
        self.app = app
        self.endpoints: dict[tuple[str, str], Endpoint] = {}
        for route in routes:
            for method in route.methods or ():
                self.endpoints[(method, route.path)] = route.endpoint  # type: ignore[assignment]
        self.lean = SecurityHeadersMiddleware(
            LimitBodyMiddleware(self._serve, max_bytes=max_bytes), hsts=hsts
        )
        self.state: Any = getattr(app, "state", None)
        self.starlette: Any = getattr(app, "starlette", None)
        self.drain: Any = getattr(app, "drain", None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["method"], scope["path"]) in self.endpoints:
            await self.lean(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.endpoints[(scope["method"], scope["path"])](request)
        except BodyTooLarge:
            raise  # LimitBodyMiddleware answers 413
        except Exception as exc:
            response = await _error_response(request, exc)
        await response(scope, receive, send)


async def _error_response(request: Request, exc: Exception) -> Response:
    """The answer the app's exception handlers give, or a logged 500."""
    for kinds, handler in _HANDLERS:
        if isinstance(exc, kinds):
            return await handler(request, exc)
    log.exception("provider callback %s %s failed", request.method, request.url.path)
    return PlainTextResponse("Internal Server Error", status_code=500)
