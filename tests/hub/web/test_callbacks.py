"""The lean path of provider callbacks (``hub.web.callbacks``): the same limits,
headers and error answers as the app, without its stack."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from hub.errors import NotFound
from hub.web.callbacks import CallbackDispatch


async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("app", headers={"x-served-by": "app"})(scope, receive, send)


async def echo(request: Request) -> Response:
    body = await request.body()
    assert "session" not in request.scope  # no console session on this path
    return PlainTextResponse(f"lean {len(body)}")


async def fails(request: Request) -> Response:
    kind = request.query_params["kind"]
    if kind == "http":
        raise HTTPException(403, "X-Twilio-Signature does not verify")
    if kind == "hub":
        raise NotFound("no such message")
    if kind == "db":
        raise OperationalError("SELECT 1", {}, Exception("down"))
    raise RuntimeError("a bug")


def client() -> httpx.AsyncClient:
    dispatch = CallbackDispatch(
        fallback,
        [Route("/hook", echo, methods=["POST"]), Route("/fails", fails, methods=["POST"])],
        max_bytes=100,
        hsts=True,
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=dispatch), base_url="http://t")


async def test_declared_callbacks_are_served_lean_with_every_header() -> None:
    async with client() as http:
        lean = await http.post("/hook", content=b"x" * 10)
        other_method = await http.get("/hook")
        other_path = await http.post("/elsewhere")
    assert lean.text == "lean 10"
    for name in ("x-request-id", "content-security-policy", "x-frame-options"):
        assert name in lean.headers
    assert lean.headers["strict-transport-security"].startswith("max-age=")
    assert other_method.headers["x-served-by"] == "app"
    assert other_path.headers["x-served-by"] == "app"


async def test_body_limit_holds_announced_or_streamed() -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 10

    async with client() as http:
        announced = await http.post("/hook", content=b"x" * 101)
        streamed = await http.post("/hook", content=chunks())
    assert announced.status_code == streamed.status_code == 413
    assert announced.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("http", 403, "forbidden"), ("hub", 404, "not_found"), ("db", 503, "unavailable")],
)
async def test_errors_get_the_apps_answers(kind: str, status: int, code: str) -> None:
    async with client() as http:
        response = await http.post(f"/fails?kind={kind}")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert "x-request-id" in response.headers


async def test_a_bug_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="hub.web.callbacks"):
        async with client() as http:
            response = await http.post("/fails?kind=bug")
    assert response.status_code == 500
    assert any("a bug" in (r.exc_text or "") for r in caplog.records), caplog.text
