"""ASGI middleware shared by every route: request ids, body size limit, security headers,
and the console's cookie sessions."""

from __future__ import annotations

import json
import logging
import secrets
import time
from base64 import b64encode
from collections.abc import MutableMapping
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import Session, SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.logging import request_id_var

log = logging.getLogger("hub.http")

# Default CSP: our own scripts and styles only. Pages that embed the widget on a
# third-party site never use this header (the widget is a script there).
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "media-src 'self' https:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)

# The headers every response gets unless it set its own (built once, not per request);
# ``x-request-id`` comes first and is per request.
_DEFAULT_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", DEFAULT_CSP.encode()),
)
_HSTS = (b"strict-transport-security", b"max-age=31536000")


class BodyTooLarge(Exception):
    pass


class LimitBodyMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, counting what is streamed
    as well as what ``Content-Length`` announces."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/socket.io"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        received = 0
        response_started = False
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                # A handler caught BodyTooLarge (say, as a malformed form): still 413.
                if message["type"] == "http.response.start" and not response_started:
                    response_started = True
                    await _too_large(send, self.max_bytes)
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await _too_large(send, self.max_bytes)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": {"code": "too_large", "message": f"request body over {limit} bytes"}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """Request ids, access logs and security headers on every HTTP response.

    A route may set its own ``content-security-policy`` (the demo shop and the widget
    script need to be embeddable); otherwise the strict default applies.
    """

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts
        self.defaults = _DEFAULT_HEADERS + ((_HSTS,) if hsts else ())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        # Every log line emitted while serving this request carries its id (hub.logging).
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder: dict[str, Any] = {}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                if b"x-request-id" not in present:
                    headers.append((b"x-request-id", request_id.encode()))
                headers.extend(item for item in self.defaults if item[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            # The access log: the client as the trusted proxy reported it, and the path
            # without its query string (tokens and customers' search terms stay out).
            if not scope["path"].startswith("/static"):
                client = scope.get("client")
                log.info(
                    "%s %s %s %s %.1fms",
                    client[0] if client else "-",
                    scope["method"],
                    scope["path"],
                    status_holder.get("status", "-"),
                    (time.perf_counter() - started) * 1000,
                    extra={"request_id": request_id},
                )
            request_id_var.reset(token)


def _incoming_request_id(scope: MutableMapping[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")[:64]
            if text.replace("-", "").isalnum():
                return text
    return None


class CookieSessionMiddleware(SessionMiddleware):
    """Starlette's ``SessionMiddleware``, without its per-request cost when the request
    carries no session cookie (provider webhooks, the API, the widget).

    Such a request still gets an empty ``scope["session"]``; a handler that writes to it
    gets the signed ``Set-Cookie`` and any handler that reads it ``Vary: Cookie``, exactly
    as with Starlette's middleware (which serves every request that has the cookie).
    """

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        super().__init__(app, **options)
        self._cookie_name = self.session_cookie.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._may_carry_cookie(scope):
            await super().__call__(scope, receive, send)
            return
        session = Session()
        scope["session"] = session

        async def send_wrapper(message: Message) -> None:
            current: Session = scope["session"]
            if message["type"] == "http.response.start" and current.accessed:
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers.add_vary_header("Cookie")
                if current.modified and current:
                    headers.append("Set-Cookie", self._set_cookie(current))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _may_carry_cookie(self, scope: Scope) -> bool:
        """Whether any ``Cookie`` header mentions the session cookie's name."""
        for name, value in scope["headers"]:
            if name == b"cookie" and self._cookie_name in value:
                return True
        return False

    def _set_cookie(self, session: Session) -> str:
        """The ``Set-Cookie`` value that stores ``session`` (as Starlette writes it)."""
        data = self.signer.sign(b64encode(json.dumps(session).encode("utf-8"))).decode("utf-8")
        max_age = f"Max-Age={self.max_age}; " if self.max_age is not None else ""
        return f"{self.session_cookie}={data}; path={self.path}; {max_age}{self.security_flags}"
