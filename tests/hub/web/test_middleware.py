"""The cheap paths of ``hub.web.middleware`` and ``hub.logging`` behave like the full ones."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hub.logging import _PATTERNS, redact
from hub.web.middleware import CookieSessionMiddleware


def _app() -> Starlette:
    async def write(request: Request) -> PlainTextResponse:
        request.session["agent_id"] = 7
        return PlainTextResponse("ok")

    async def read(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(request.session.get("agent_id")))

    async def untouched(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/write", write), Route("/read", read), Route("/none", untouched)],
        middleware=[
            Middleware(CookieSessionMiddleware, secret_key="k" * 32, session_cookie="hub_session")
        ],
    )


def _client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=_app())
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_session_written_without_a_cookie_is_set_and_read_back() -> None:
    async with _client() as client:
        first = await client.get("/write")
        assert "hub_session=" in first.headers["set-cookie"]
        assert "httponly" in first.headers["set-cookie"]
        assert first.headers["vary"] == "Cookie"
        assert (await client.get("/read")).text == "7"


async def test_requests_without_the_cookie_get_an_empty_session_and_no_cookie() -> None:
    async with _client() as client:
        read = await client.get("/read")
        assert read.text == "None"
        assert "set-cookie" not in read.headers
        assert read.headers["vary"] == "Cookie"
        untouched = await client.get("/none", headers={"cookie": "other=1"})
        assert "set-cookie" not in untouched.headers
        assert "vary" not in untouched.headers


def _full_redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def test_the_precheck_never_skips_a_line_the_patterns_would_change() -> None:
    samples: list[Any] = [
        "POST /twilio/sms 200 3.2ms",
        "key hub_0123456789ab_SECRETvalue used",
        "Authorization: Bearer abc.def",
        "basic Zm9vOmJhcg==",
        "('x-twilio-signature', 'abc=')",
        '{"auth_token": "xyz"}',
        "PASSWORD=hunter2",
        "postgresql+asyncpg://user:pw@db/x",
        "Cookie: hub_session=abc",
    ]
    for text in samples:
        assert redact(text) == _full_redact(text), text
